import { EventEmitter } from 'node:events';
import type { EventBus, IncomingMessage, SubscribeOptions, Subscription, TopicMessages } from '../../core/ports/event-bus.js';
import type { DataCipher } from '../crypto/data-cipher.js';
import { sealedColumn } from '../store/sealed-column.js';
import type { SqlClient } from '../store/sql-client.js';

export interface EmbeddedEventBusOptions {
  /** The embedded store; the bus log lives in its `bus_messages` table (migration set `bus`). */
  client: SqlClient;
  /** How long a consumer waits before redelivering a message whose handler threw. */
  redeliveryDelayMs?: number;
  /** Safety net for wake-ups; publishes in this process wake consumers at once. */
  pollIntervalMs?: number;
  onHandlerError?: (error: unknown, message: IncomingMessage) => void;
  onStoreError?: (error: unknown) => void;
  /** Message values are sealed at rest: they carry referral reasons. */
  cipher: DataCipher;
  /** The time a message is logged at, for retention; the hub's clock. */
  now?: () => Date;
}

/** The embedded bus, plus what only it needs: purging its log. */
export interface EmbeddedEventBus extends EventBus {
  /** Deletes messages logged before `at` that every consumer group of their topic has passed; returns how many. */
  purgeBefore(at: Date): Promise<number>;
}

/**
 * The single-machine event bus. Production code, not a test double: it keeps a durable log per topic in the
 * embedded store and the committed position of each consumer group, so it offers what the domain relies on
 * from Kafka: per-key order (stronger here: one total order per topic), at-least-once delivery (the position
 * moves only after the handler succeeded) and consumer groups. One active consumer per group.
 */
export function createEmbeddedEventBus(options: EmbeddedEventBusOptions): EmbeddedEventBus {
  const { client } = options;
  const value = sealedColumn(options.cipher, 'bus_messages.message_value');
  const now = options.now ?? (() => new Date());
  const redeliveryDelayMs = options.redeliveryDelayMs ?? 200;
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const published = new EventEmitter();
  published.setMaxListeners(0);
  const activeGroups = new Set<string>();
  const subscriptions = new Set<Subscription>();
  /** Messages a consumer reads in one statement. */
  const BATCH = 100;

  type MessageRow = { seq: string; message_key: string | null; message_value: string; headers: Record<string, string> };
  const READ = `SELECT seq::text AS seq, message_key, message_value, headers FROM bus_messages WHERE topic = $1 AND seq > $2 ORDER BY bus_messages.seq LIMIT ${BATCH}`;
  const COMMIT = `INSERT INTO bus_offsets (group_id, topic, seq) VALUES ($3, $1, $2) ON CONFLICT (group_id, topic) DO UPDATE SET seq = EXCLUDED.seq`;

  /** A group's positions: where it has handled up to, and what of that is committed to the store. */
  interface Positions {
    handled: Map<string, string>;
    committed: Map<string, string>;
  }

  /** Writes a position handled but not yet committed (before a redelivery pause, and when the consumer closes). */
  async function commitPending(groupId: string, topic: string, positions: Positions) {
    const handled = positions.handled.get(topic);
    if (handled === undefined || handled === positions.committed.get(topic)) return;
    await client.query(COMMIT, [topic, handled, groupId]);
    positions.committed.set(topic, handled);
  }

  /**
   * Delivers what `topic` holds past the group's position, in order. The position is read from the store once per
   * subscription and then kept here (one active consumer per group, so nobody else moves it). It is committed in
   * the statement that reads the next batch (the read on a wake, or the safety-net read within `pollIntervalMs`),
   * not in one of its own: a statement saved per batch, four per green-channel loop. After a crash the handlers see
   * again at most the last batch, which their idempotence (processed_events) absorbs, as when the commit followed
   * each batch. Returns whether the batch was full (more may be waiting).
   */
  async function consumeTopic(
    groupId: string,
    topic: string,
    handler: SubscribeOptions['handler'],
    isOpen: () => boolean,
    positions: Positions,
  ): Promise<boolean> {
    let from = positions.handled.get(topic);
    if (from === undefined) {
      const [stored] = await client.query<{ seq: string }>('SELECT seq::text AS seq FROM bus_offsets WHERE group_id = $1 AND topic = $2', [groupId, topic]);
      from = stored?.seq ?? '0';
      positions.handled.set(topic, from);
      positions.committed.set(topic, from);
    }
    // The data-modifying CTE runs whether or not the read uses it, in the same statement and transaction.
    const rows =
      from === positions.committed.get(topic)
        ? await client.query<MessageRow>(READ, [topic, from])
        : await client.query<MessageRow>(`WITH committed AS (${COMMIT}) ${READ}`, [topic, from, groupId]);
    positions.committed.set(topic, from);
    for (const row of rows) {
      if (!isOpen()) break;
      const message: IncomingMessage = { topic, key: row.message_key, value: value.open(row.message_value) ?? '', headers: row.headers ?? {}, offset: row.seq };
      try {
        await handler(message);
      } catch (error) {
        options.onHandlerError?.(error, message);
        await commitPending(groupId, topic, positions);
        await new Promise((r) => setTimeout(r, redeliveryDelayMs));
        return true; // the position did not move past this message: it comes again
      }
      positions.handled.set(topic, row.seq);
    }
    return rows.length === BATCH;
  }

  const publishAll = async (batches: readonly TopicMessages[]) => {
    const entries = batches.flatMap((b) => b.messages.map((m) => ({ topic: b.topic, m })));
    if (entries.length === 0) return;
    // One statement for every message (atomic on its own); WITH ORDINALITY keeps the given order in the serial seq.
    await client.query(
      `INSERT INTO bus_messages (topic, message_key, message_value, headers, published_at)
       SELECT e.topic, e.message_key, e.message_value, e.headers::jsonb, $5 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS e(topic, message_key, message_value, headers, n)
       ORDER BY e.n`,
      [
        entries.map((e) => e.topic),
        entries.map((e) => e.m.key),
        entries.map((e) => value.seal(e.m.value)),
        entries.map((e) => JSON.stringify(e.m.headers ?? {})),
        now(),
      ],
    );
    for (const topic of new Set(entries.map((e) => e.topic))) published.emit(topic);
  };

  return {
    publish: (topic, messages) => publishAll([{ topic, messages }]),
    publishAll,

    async subscribe({ groupId, topics, handler }) {
      if (activeGroups.has(groupId)) throw new Error(`The embedded bus already has a consumer in group ${groupId}.`);
      activeGroups.add(groupId);
      let open = true;
      let wake: (() => void) | null = null;
      const positions: Positions = { handled: new Map(), committed: new Map() };
      // Topics to read on the next turn: those published to in this process since the last read (a publish that
      // lands while the loop is reading is remembered, so the loop does not sleep through it), those whose last read
      // was a full batch, and every topic when the safety-net timer fires (another process may have published).
      const due = new Set<string>(topics);
      const nudges = new Map(
        topics.map((t) => [
          t,
          () => {
            due.add(t);
            wake?.();
          },
        ]),
      );
      for (const [t, nudge] of nudges) published.on(t, nudge);

      const loop = (async () => {
        while (open) {
          const reading = topics.filter((t) => due.has(t));
          for (const t of reading) due.delete(t);
          try {
            for (const topic of reading) if (await consumeTopic(groupId, topic, handler, () => open, positions)) due.add(topic);
          } catch (error) {
            // The store itself failed (not a handler): wait and try again rather than lose the consumer.
            for (const t of reading) due.add(t);
            options.onStoreError?.(error);
            await new Promise((r) => setTimeout(r, redeliveryDelayMs));
            continue;
          }
          if (due.size === 0 && open) {
            await new Promise<void>((resolve) => {
              const timer = setTimeout(() => {
                for (const t of topics) due.add(t);
                resolve();
              }, pollIntervalMs);
              wake = () => {
                clearTimeout(timer);
                resolve();
              };
            });
            wake = null;
          }
        }
      })();

      const subscription: Subscription = {
        async close() {
          if (!open) return;
          open = false;
          wake?.();
          for (const [t, nudge] of nudges) published.off(t, nudge);
          await loop;
          // What was handled since the last read, so that a restart does not see it again.
          for (const t of topics) await commitPending(groupId, t, positions).catch((error: unknown) => options.onStoreError?.(error));
          activeGroups.delete(groupId);
          subscriptions.delete(subscription);
        },
      };
      subscriptions.add(subscription);
      return subscription;
    },

    async purgeBefore(at) {
      // A message some group has not consumed yet stays, however old: retention never loses work.
      const rows = await client.query(
        `DELETE FROM bus_messages m WHERE m.published_at < $1
           AND NOT EXISTS (SELECT 1 FROM bus_offsets o WHERE o.topic = m.topic AND o.seq < m.seq)
         RETURNING m.seq`,
        [at],
      );
      return rows.length;
    },

    async ensureTopics() {
      // Topics are implicit in the log table.
    },

    async close() {
      await Promise.all([...subscriptions].map((s) => s.close()));
    },
  };
}
