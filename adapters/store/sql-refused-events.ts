import type { RefusedEvents } from '../../core/ports/refused-events.js';
import type { SqlClient } from './sql-client.js';

/** Refused event ids on SQL (migration set `events`), shared by the hub and every connector store. */
export function createSqlRefusedEvents(client: SqlClient): RefusedEvents & { purgeBefore(at: Date): Promise<number> } {
  return {
    async wasRefused(consumer, eventId) {
      return (await client.query('SELECT 1 FROM refused_events WHERE consumer = $1 AND event_id = $2', [consumer, eventId])).length > 0;
    },
    async remember(consumer, eventId, reason, at) {
      await client.query('INSERT INTO refused_events (consumer, event_id, reason, refused_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING', [
        consumer,
        eventId,
        reason,
        at,
      ]);
    },
    async purgeBefore(at) {
      return (await client.query('DELETE FROM refused_events WHERE refused_at < $1 RETURNING event_id', [at])).length;
    },
  };
}
