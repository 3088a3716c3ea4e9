import type { ConnectorInbox, InboxItem } from '../../connectors/shared/connector-inbox.js';
import type { SqlClient } from './sql-client.js';

/** A connector's inbox on SQL (migration set `connector`). */
export function createSqlConnectorInbox(client: SqlClient, connectorId: string): ConnectorInbox {
  return {
    async add(item) {
      const rows = await client.query(
        `INSERT INTO connector_inbox (connector_id, message_id, kind, payload, correlation_id, received_at)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING message_id`,
        [connectorId, item.id, item.kind, JSON.stringify(item.payload), item.correlationId, item.receivedAt],
      );
      return rows.length === 1;
    },
    async pending(limit) {
      const rows = await client.query(
        `SELECT message_id, kind, payload, correlation_id, received_at FROM connector_inbox
         WHERE connector_id = $1 AND acknowledged_at IS NULL ORDER BY received_at, message_id LIMIT $2`,
        [connectorId, limit],
      );
      return rows.map(
        (r): InboxItem => ({
          id: String(r.message_id),
          kind: String(r.kind),
          payload: r.payload as Record<string, unknown>,
          correlationId: r.correlation_id === null ? null : String(r.correlation_id),
          receivedAt: r.received_at instanceof Date ? r.received_at : new Date(String(r.received_at)),
        }),
      );
    },
    async acknowledge(ids, at) {
      const rows = await client.query(
        'UPDATE connector_inbox SET acknowledged_at = $3 WHERE connector_id = $1 AND message_id = ANY($2) AND acknowledged_at IS NULL RETURNING message_id',
        [connectorId, ids, at],
      );
      return rows.length;
    },
    async correlationIdOf(referralId) {
      const [row] = await client.query(
        `SELECT correlation_id FROM connector_inbox WHERE connector_id = $1 AND payload->>'referralId' = $2 AND correlation_id IS NOT NULL
         ORDER BY received_at LIMIT 1`,
        [connectorId, referralId],
      );
      return row ? String(row.correlation_id) : null;
    },
  };
}
