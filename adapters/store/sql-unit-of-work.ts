import type { EventDraft } from '../../core/ports/event-draft.js';
import type { OutboxItem, OutboxStore, Transaction, UnitOfWork } from '../../core/ports/unit-of-work.js';
import type { DataCipher } from '../crypto/data-cipher.js';
import { sealedColumn } from './sealed-column.js';
import type { SqlClient } from './sql-client.js';

/** The SQL connection behind a domain transaction handle; only SQL adapters look inside. */
export function sqlOf(tx: Transaction): SqlClient {
  return tx as unknown as SqlClient;
}

/** Adapters accept an optional transaction: inside it when given, on the shared client otherwise. */
export function runnerFor(client: SqlClient, tx?: Transaction): SqlClient {
  return tx ? sqlOf(tx) : client;
}

/**
 * Transactions shared by every capability's SQL store, the dedup marks and the transactional outbox
 * (migration set `hub`). Outgoing events carry referral content: stored sealed, as unsigned drafts that the relay
 * signs after commit.
 */
export function createSqlUnitOfWork(client: SqlClient, cipher: DataCipher): UnitOfWork & OutboxStore {
  const outbox = sealedColumn(cipher, 'outbox.message_value');
  return {
    withTransaction: (work) => client.transaction((tx) => work(tx as unknown as Transaction)),
    async claimEvent(tx, consumer, eventId) {
      const rows = await sqlOf(tx).query('INSERT INTO processed_events (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING event_id', [
        consumer,
        eventId,
      ]);
      return rows.length === 1;
    },
    async enqueueEvent(tx, topic, draft) {
      await sqlOf(tx).query('INSERT INTO outbox (topic, message_key, message_value, draft) VALUES ($1, $2, $3, true)', [
        topic,
        draft.key ?? draft.subject,
        outbox.seal(JSON.stringify(draft)),
      ]);
    },
    async enqueueEvents(tx, events) {
      if (events.length === 0) return;
      // WITH ORDINALITY keeps the given order in the serial ids, so the relay publishes them in that order.
      await sqlOf(tx).query(
        `INSERT INTO outbox (topic, message_key, message_value, draft)
         SELECT e.topic, e.message_key, e.message_value, true FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS e(topic, message_key, message_value, n)
         ORDER BY e.n`,
        [events.map((e) => e.topic), events.map((e) => e.draft.key ?? e.draft.subject), events.map((e) => outbox.seal(JSON.stringify(e.draft)))],
      );
    },
    async purgeProcessedEventsBefore(at) {
      return (await client.query('DELETE FROM processed_events WHERE processed_at < $1 RETURNING event_id', [at])).length;
    },
    async takeBatch(limit, publish) {
      // No transaction is held while publishing: the embedded bus writes to this same single-connection store.
      // Two relays racing may publish a row twice; consumers deduplicate by event id, so that is harmless.
      const rows = await client.query('SELECT id::text AS id, topic, message_key, message_value, headers, draft FROM outbox ORDER BY outbox.id LIMIT $1', [
        limit,
      ]);
      if (rows.length === 0) return 0;
      await publish(
        rows.map((r): OutboxItem => {
          const value = outbox.open(r.message_value) ?? '';
          if (r.draft !== true) return { topic: String(r.topic), message: { key: String(r.message_key), value, headers: r.headers as Record<string, string> } };
          const draft = JSON.parse(value) as EventDraft & { time: string };
          return { topic: String(r.topic), draft: { ...draft, time: new Date(draft.time) } };
        }),
      );
      // Deleted only after the bus acknowledged: a crash in between republishes (at-least-once).
      await client.query('DELETE FROM outbox WHERE id = ANY($1::bigint[])', [rows.map((r) => r.id)]);
      return rows.length;
    },
  };
}
