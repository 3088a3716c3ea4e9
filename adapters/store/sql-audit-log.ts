import type { AuditLog } from '../../core/ports/audit-log.js';
import type { SqlClient } from './sql-client.js';
import { runnerFor } from './sql-unit-of-work.js';

/** The disclosure audit on SQL: field names and reasons, never field values. */
export function createSqlAuditLog(client: SqlClient): AuditLog {
  return {
    async record(e, tx) {
      await runnerFor(client, tx).query(
        `INSERT INTO audit_log (at, principal_agency_id, principal_user_id, action, resource_type, resource_id, allowed, fields, reasons, correlation_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [
          e.at,
          e.principalAgencyId,
          e.principalUserId,
          e.action,
          e.resourceType,
          e.resourceId,
          e.allowed,
          JSON.stringify(e.fields),
          JSON.stringify(e.reasons),
          e.correlationId,
        ],
      );
    },
  };
}
