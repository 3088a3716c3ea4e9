import type { ConnectorInbox, InboxItem } from '../../connectors/shared/connector-inbox.js';
import type { DataCipher } from '../crypto/data-cipher.js';
import { sealedColumn } from './sealed-column.js';
import type { SqlClient } from './sql-client.js';

/** A connector's inbox on SQL (migration set `connector`). Payloads carry referral reasons: stored sealed. */
export function createSqlConnectorInbox(client: SqlClient, connectorId: string, cipher: DataCipher): ConnectorInbox {
  const payload = sealedColumn(cipher, 'connector_inbox.payload');
  return {
    async add(items) {
      if (items.length === 0) return 0;
      const referralOf = (item: InboxItem) => (typeof item.payload.referralId === 'string' ? item.payload.referralId : null);
      const rows = await client.query(
        `INSERT INTO connector_inbox (connector_id, message_id, kind, sealed_payload, referral_id, correlation_id, received_at)
         SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[]) ON CONFLICT DO NOTHING RETURNING message_id`,
        [
          connectorId,
          items.map((i) => i.id),
          items.map((i) => i.kind),
          items.map((i) => payload.seal(JSON.stringify(i.payload))),
          items.map(referralOf),
          items.map((i) => i.correlationId),
          items.map((i) => i.receivedAt),
        ],
      );
      return rows.length;
    },
    async pending(limit) {
      const rows = await client.query(
        `SELECT message_id, kind, payload, sealed_payload, correlation_id, received_at FROM connector_inbox
         WHERE connector_id = $1 AND acknowledged_at IS NULL ORDER BY received_at, message_id LIMIT $2`,
        [connectorId, limit],
      );
      return rows.map((r): InboxItem => ({
        id: String(r.message_id),
        kind: String(r.kind),
        payload: r.sealed_payload ? (JSON.parse(payload.open(r.sealed_payload) ?? '{}') as Record<string, unknown>) : (r.payload as Record<string, unknown>),
        correlationId: typeof r.correlation_id === 'string' ? r.correlation_id : null,
        receivedAt: r.received_at instanceof Date ? r.received_at : new Date(String(r.received_at)),
      }));
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
        `SELECT correlation_id FROM connector_inbox WHERE connector_id = $1 AND referral_id = $2 AND correlation_id IS NOT NULL
         ORDER BY received_at LIMIT 1`,
        [connectorId, referralId],
      );
      return row ? String(row.correlation_id) : null;
    },
    async purgeAcknowledgedBefore(at) {
      return (await client.query('DELETE FROM connector_inbox WHERE connector_id = $1 AND acknowledged_at < $2 RETURNING message_id', [connectorId, at]))
        .length;
    },
  };
}
