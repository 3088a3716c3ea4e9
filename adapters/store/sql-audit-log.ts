import { chainAfter, type ChainLink } from '../../core/audit/audit-chain.js';
import type { AuditLog, AuditTrail, StoredAuditEntry } from '../../core/ports/audit-log.js';
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
          // One INSERT of parallel arrays whatever the number of entries, made only if the head is still ours.
          const written = await runner.query(
            // The head must be ours by number and by hash: after a rollback another writer may have reused the number.
            `WITH moved AS (UPDATE audit_chain_head SET seq = $17, hash = $18 WHERE id = 1 AND seq = $19 AND hash = $22 RETURNING 1)
             INSERT INTO audit_log (at, principal_agency_id, principal_user_id, action, resource_type, resource_id, allowed, fields, reasons,
               correlation_id, principal_role, subject_id, purpose, legal_basis, policy_version, seq, prev_hash, hash)
             SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::boolean[], $8::jsonb[],
               $9::jsonb[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::bigint[], $20::text[], $21::text[])
             WHERE EXISTS (SELECT 1 FROM moved)
             RETURNING seq`,
            [
              chained.map((e) => e.at),
              chained.map((e) => e.principalAgencyId),
              chained.map((e) => e.principalUserId),
              chained.map((e) => e.action),
              chained.map((e) => e.resourceType),
              chained.map((e) => e.resourceId),
              chained.map((e) => e.allowed),
              chained.map((e) => JSON.stringify(e.fields)),
              chained.map((e) => JSON.stringify(e.reasons)),
              chained.map((e) => e.correlationId),
              chained.map((e) => e.principalRole ?? null),
              chained.map((e) => e.subjectId ?? null),
              chained.map((e) => e.purpose ?? null),
              chained.map((e) => e.legalBasis ?? null),
              chained.map((e) => e.policyVersion ?? null),
              chained.map((e) => e.seq),
              last.seq,
              last.hash,
              head.seq,
              chained.map((e) => e.prevHash),
              chained.map((e) => e.hash),
              head.hash,
            ],
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
