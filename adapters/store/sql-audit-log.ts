import { chainAfter, type ChainLink } from '../../core/audit/audit-chain.js';
import type { AuditEntry, AuditLog, AuditTrail, StoredAuditEntry } from '../../core/ports/audit-log.js';
import type { SqlClient } from './sql-client.js';
import { runnerFor } from './sql-unit-of-work.js';
import { asDate, optText } from './sql-values.js';

type Row = Record<string, unknown>;

/** Writers racing for the head more often than this in one call are not contention but a fault. */
const MAX_ATTEMPTS = 50;

export class AuditChainContentionError extends Error {
  constructor() {
    super('The audit chain head kept moving under this write.');
    this.name = 'AuditChainContentionError';
  }
}

export function toStoredAuditEntry(r: Row): StoredAuditEntry {
  const list = (v: unknown): string[] => (typeof v === 'string' ? (JSON.parse(v) as string[]) : ((v as string[] | null) ?? []));
  return {
    id: String(r.id),
    seq: Number(r.seq),
    prevHash: String(r.prev_hash),
    hash: String(r.hash),
    at: asDate(r.at),
    principalAgencyId: optText(r.principal_agency_id),
    principalUserId: optText(r.principal_user_id),
    principalRole: optText(r.principal_role),
    action: String(r.action),
    resourceType: String(r.resource_type),
    resourceId: optText(r.resource_id),
    subjectId: optText(r.subject_id),
    allowed: r.allowed === true,
    fields: list(r.fields),
    reasons: list(r.reasons),
    purpose: optText(r.purpose),
    legalBasis: optText(r.legal_basis),
    policyVersion: optText(r.policy_version),
    correlationId: optText(r.correlation_id),
  };
}

/** A chained entry as a row of `audit_log`, keyed by column: what `toStoredAuditEntry` reads back. */
function toAuditRow(e: AuditEntry & ChainLink & { prevHash: string }) {
  return {
    at: e.at,
    principal_agency_id: e.principalAgencyId,
    principal_user_id: e.principalUserId,
    action: e.action,
    resource_type: e.resourceType,
    resource_id: e.resourceId,
    allowed: e.allowed,
    fields: e.fields,
    reasons: e.reasons,
    correlation_id: e.correlationId,
    principal_role: e.principalRole ?? null,
    subject_id: e.subjectId ?? null,
    purpose: e.purpose ?? null,
    legal_basis: e.legalBasis ?? null,
    policy_version: e.policyVersion ?? null,
    seq: e.seq,
    prev_hash: e.prevHash,
    hash: e.hash,
  };
}

/**
 * The disclosure audit on SQL: field names and reasons, never field values, as a hash chain. A write names the
 * head it extends and moves it in the same statement, so two writers (two requests, two replicas) can never both
 * extend the same entry: the loser reads the new head and chains after it. The head is kept in memory between
 * writes, so a request's audit is still one statement.
 */
export function createSqlAuditLog(client: SqlClient): AuditLog & AuditTrail {
  let head: ChainLink | null = null;
  // One write at a time from this process: the others would only lose the race to it.
  let turn: Promise<unknown> = Promise.resolve();

  return {
    async record(entries, tx) {
      if (entries.length === 0) return;
      const write = async () => {
        const runner = runnerFor(client, tx);
        for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
          if (!head) {
            const [row] = await runner.query('SELECT seq, hash FROM audit_chain_head WHERE id = 1');
            head = { seq: Number(row?.seq ?? 0), hash: String(row?.hash) };
          }
          const chained = chainAfter(head, entries);
          const last = chained.at(-1)!;
          // One INSERT whatever the number of entries, its rows as one JSON document: JSON.stringify is native,
          // where eighteen parallel arrays went through the driver's element-by-element escaping (some 8% of a
          // 50-item page's CPU on PostgreSQL). Made only if the head is still ours, by number and by hash: after a
          // rollback another writer may have reused the number.
          const written = await runner.query(
            `WITH moved AS (UPDATE audit_chain_head SET seq = $2, hash = $3 WHERE id = 1 AND seq = $4 AND hash = $5 RETURNING 1)
             INSERT INTO audit_log (at, principal_agency_id, principal_user_id, action, resource_type, resource_id, allowed, fields, reasons,
               correlation_id, principal_role, subject_id, purpose, legal_basis, policy_version, seq, prev_hash, hash)
             SELECT * FROM json_to_recordset($1::json) AS e(at timestamptz, principal_agency_id text, principal_user_id text, action text,
               resource_type text, resource_id text, allowed boolean, fields jsonb, reasons jsonb, correlation_id text, principal_role text,
               subject_id text, purpose text, legal_basis text, policy_version text, seq bigint, prev_hash text, hash text)
             WHERE EXISTS (SELECT 1 FROM moved)
             RETURNING seq`,
            [JSON.stringify(chained.map(toAuditRow)), last.seq, last.hash, head.seq, head.hash],
          );
          if (written.length === entries.length) {
            head = { seq: last.seq, hash: last.hash };
            return;
          }
          // Another writer moved the head (or a transaction that moved it rolled back): read it again.
          head = null;
        }
        throw new AuditChainContentionError();
      };
      const mine = turn.then(write, write);
      turn = mine.catch(() => undefined);
      await mine;
    },
    async underEmergency(subjectId, by, from, to) {
      const rows = await client.query(
        `SELECT * FROM audit_log WHERE subject_id = $1 AND principal_agency_id = $2 AND principal_user_id = $3 AND at >= $4 AND at <= $5
           AND seq IS NOT NULL ORDER BY seq LIMIT 500`,
        [subjectId, by.agencyId, by.userId, from, to],
      );
      return rows.map(toStoredAuditEntry);
    },
    async forSubject(subjectId, page) {
      const rows = await client.query(
        // Reading the log decides each of its entries: those decisions are not themselves accesses to the child.
        `SELECT * FROM audit_log WHERE subject_id = $1 AND seq IS NOT NULL AND action <> 'subject.read-access-entry' AND ($2::bigint IS NULL OR seq < $2)
           AND (NOT $4::boolean OR allowed) AND NOT EXISTS (SELECT 1 FROM unnest($5::text[]) AS p(prefix) WHERE starts_with(action, p.prefix))
         ORDER BY seq DESC LIMIT $3`,
        [subjectId, page.after ?? null, page.first + 1, page.only?.allowedOnly ?? false, [...(page.only?.withoutActionPrefixes ?? [])]],
      );
      return { items: rows.slice(0, page.first).map(toStoredAuditEntry), hasMore: rows.length > page.first };
    },
  };
}
