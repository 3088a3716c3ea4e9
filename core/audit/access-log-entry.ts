import type { StoredAuditEntry } from '../ports/audit-log.js';

/** One audited decision as the access log and the emergency review show it (`AccessLogEntry` in the schema). */
export function accessLogEntry(e: StoredAuditEntry) {
  return {
    id: String(e.seq),
    at: e.at,
    agencyId: e.principalAgencyId,
    role: e.principalRole ?? null,
    userId: e.principalUserId,
    action: e.action,
    resourceType: e.resourceType,
    fields: e.fields,
    allowed: e.allowed,
    purpose: e.purpose ?? null,
    legalBasis: e.legalBasis ?? null,
    correlationId: e.correlationId,
  };
}
