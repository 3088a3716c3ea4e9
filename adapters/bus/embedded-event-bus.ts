import { EventEmitter } from 'node:events';
import type { EventBus, IncomingMessage, SubscribeOptions, Subscription } from '../../core/ports/event-bus.js';
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

  async function consumeTopic(groupId: string, topic: string, handler: SubscribeOptions['handler'], isOpen: () => boolean): Promise<boolean> {
    const [position] = await client.query<{ seq: string }>('SELECT seq::text AS seq FROM bus_offsets WHERE group_id = $1 AND topic = $2', [groupId, topic]);
    const rows = await client.query<{ seq: string; message_key: string | null; message_value: string; headers: Record<string, string> }>(
      'SELECT seq::text AS seq, message_key, message_value, headers FROM bus_messages WHERE topic = $1 AND seq > $2 ORDER BY seq LIMIT 100',
      [topic, position?.seq ?? '0'],
    );
    for (const row of rows) {
      if (!isOpen()) return false;
      const message: IncomingMessage = { topic, key: row.message_key, value: value.open(row.message_value) ?? '', headers: row.headers ?? {}, offset: row.seq };
      try {
        await handler(message);
      } catch (error) {
        options.onHandlerError?.(error, message);
        await new Promise((r) => setTimeout(r, redeliveryDelayMs));
        return true; // the position did not move: the same message comes again
      }
      await client.query(
        `INSERT INTO bus_offsets (group_id, topic, seq) VALUES ($1, $2, $3)
         ON CONFLICT (group_id, topic) DO UPDATE SET seq = EXCLUDED.seq`,
        [groupId, topic, row.seq],
      );
    }
    return rows.length > 0;
  }

  return {
    async publish(topic, messages) {
      if (messages.length === 0) return;
      await client.transaction(async (tx) => {
        for (const m of messages) {
          await tx.query('INSERT INTO bus_messages (topic, message_key, message_value, headers, published_at) VALUES ($1, $2, $3, $4, $5)', [
            topic,
            m.key,
            value.seal(m.value),
            JSON.stringify(m.headers ?? {}),
            now(),
          ]);
        }
      });
      published.emit(topic);
    },

    async subscribe({ groupId, topics, handler }) {
      if (activeGroups.has(groupId)) throw new Error(`The embedded bus already has a consumer in group ${groupId}.`);
      activeGroups.add(groupId);
      let open = true;
      let wake: (() => void) | null = null;
      // A publish that lands while the loop is reading (no waiter yet) is remembered, so the loop does not then
      // sleep through it until the next poll.
      let publishedMeanwhile = false;
      const nudge = () => {
        publishedMeanwhile = true;
        wake?.();
      };
      for (const t of topics) published.on(t, nudge);

      const loop = (async () => {
        while (open) {
          publishedMeanwhile = false;
          let busy = false;
          try {
            for (const topic of topics) busy = (await consumeTopic(groupId, topic, handler, () => open)) || busy;
          } catch (error) {
            // The store itself failed (not a handler): wait and try again rather than lose the consumer.
            options.onStoreError?.(error);
            await new Promise((r) => setTimeout(r, redeliveryDelayMs));
            continue;
          }
          if (!busy && open && !publishedMeanwhile) {
            await new Promise<void>((resolve) => {
              const timer = setTimeout(resolve, pollIntervalMs);
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
          nudge();
          for (const t of topics) published.off(t, nudge);
          await loop;
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
