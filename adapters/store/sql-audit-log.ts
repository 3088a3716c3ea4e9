import type { AuditLog } from '../../core/ports/audit-log.js';
import type { SqlClient } from './sql-client.js';
import { runnerFor } from './sql-unit-of-work.js';

/** The disclosure audit on SQL: field names and reasons, never field values. */
export function createSqlAuditLog(client: SqlClient): AuditLog {
  return {
    async record(entries, tx) {
      if (entries.length === 0) return;
      // One INSERT of parallel arrays, whatever the number of entries: a fixed statement text, so both engines
      // plan it once, and no statement grows with the page size.
      await runnerFor(client, tx).query(
        `INSERT INTO audit_log (at, principal_agency_id, principal_user_id, action, resource_type, resource_id, allowed, fields, reasons, correlation_id)
         SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::boolean[], $8::jsonb[], $9::jsonb[], $10::text[])`,
        [
          entries.map((e) => e.at),
          entries.map((e) => e.principalAgencyId),
          entries.map((e) => e.principalUserId),
          entries.map((e) => e.action),
          entries.map((e) => e.resourceType),
          entries.map((e) => e.resourceId),
          entries.map((e) => e.allowed),
          entries.map((e) => JSON.stringify(e.fields)),
          entries.map((e) => JSON.stringify(e.reasons)),
          entries.map((e) => e.correlationId),
        ],
      );
    },
  };
}
