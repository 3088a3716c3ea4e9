import type { AgencyRecord } from '../../core/ports/keys.js';
import type { AuditEntry, LedgerStore, LedgerTransaction, NewReferral, OutboxStore, SubjectRecord } from '../../core/ports/ledger-store.js';
import type { DeliveryProblem, Referral, TimelineEntry } from '../../core/referral/referral.js';
import type { ReferralState } from '../../core/referral/referral-state-machine.js';
import type { DataCipher } from '../crypto/data-cipher.js';
import { sealedColumn } from './sealed-column.js';
import type { SqlClient } from './sql-client.js';

type Row = Record<string, unknown>;

const asDate = (v: unknown): Date => (v instanceof Date ? v : new Date(String(v)));

function toAgency(row: Row): AgencyRecord {
  return { id: String(row.id), type: row.type as AgencyRecord['type'], name: String(row.name), publicKeys: row.public_keys as AgencyRecord['publicKeys'] };
}

function toSubject(row: Row): SubjectRecord {
  return { id: String(row.id), schoolAgencyId: String(row.school_agency_id), grade: Number(row.grade), localRef: String(row.local_ref) };
}

interface Columns {
  reason: ReturnType<typeof sealedColumn>;
  declineReason: ReturnType<typeof sealedColumn>;
  note: ReturnType<typeof sealedColumn>;
  outbox: ReturnType<typeof sealedColumn>;
}

function columnsFor(cipher: DataCipher): Columns {
  return {
    reason: sealedColumn(cipher, 'referrals.reason'),
    declineReason: sealedColumn(cipher, 'referrals.decline_reason'),
    note: sealedColumn(cipher, 'referral_timeline.note'),
    outbox: sealedColumn(cipher, 'outbox.message_value'),
  };
}

function toTimelineEntry(row: Row, c: Columns): TimelineEntry {
  return {
    sequence: Number(row.sequence),
    state: row.state as ReferralState,
    action: String(row.action),
    actorAgencyId: String(row.actor_agency_id),
    actorUserId: String(row.actor_user_id),
    actorSystem: typeof row.actor_system === 'string' ? row.actor_system : null,
    at: asDate(row.at),
    note: c.note.open(row.note),
  };
}

function toReferral(row: Row, timeline: TimelineEntry[], problems: DeliveryProblem[], c: Columns): Referral {
  return {
    id: String(row.id),
    subjectId: String(row.subject_id),
    schoolAgencyId: String(row.school_agency_id),
    hospitalAgencyId: String(row.hospital_agency_id),
    state: row.state as ReferralState,
    reason: c.reason.open(row.reason) ?? '',
    guardiansNotified: Boolean(row.guardians_notified),
    createdBy: String(row.created_by),
    createdAt: asDate(row.created_at),
    updatedAt: asDate(row.updated_at),
    version: Number(row.version),
    correlationId: String(row.correlation_id),
    declineReason: c.declineReason.open(row.decline_reason),
    timeline,
    deliveryProblems: problems,
  };
}

async function loadReferrals(client: SqlClient, c: Columns, where: string, params: unknown[], lock = ''): Promise<Referral[]> {
  const rows = await client.query(`SELECT * FROM referrals WHERE ${where} ORDER BY created_at, id ${lock}`, params);
  if (rows.length === 0) return [];
  const ids = rows.map((r) => String(r.id));
  const timelineRows = await client.query('SELECT * FROM referral_timeline WHERE referral_id = ANY($1) ORDER BY referral_id, sequence', [ids]);
  const problemRows = await client.query('SELECT * FROM delivery_problems WHERE referral_id = ANY($1) ORDER BY at', [ids]);
  return rows.map((row) =>
    toReferral(
      row,
      timelineRows.filter((t) => t.referral_id === row.id).map((t) => toTimelineEntry(t, c)),
      problemRows
        .filter((p) => p.referral_id === row.id)
        .map((p) => ({ recipientAgencyId: String(p.recipient_agency_id), reason: String(p.reason), at: asDate(p.at) })),
      c,
    ),
  );
}

async function insertAudit(client: SqlClient, e: AuditEntry): Promise<void> {
  await client.query(
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
}

function createTransaction(tx: SqlClient, c: Columns): LedgerTransaction {
  return {
    async findReferralForUpdate(id) {
      const [referral] = await loadReferrals(tx, c, 'id = $1', [id], 'FOR UPDATE');
      return referral ?? null;
    },
    async insertReferral(r: NewReferral) {
      await tx.query(
        `INSERT INTO referrals (id, subject_id, school_agency_id, hospital_agency_id, state, reason, guardians_notified, created_by, created_at, updated_at, correlation_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10)`,
        [
          r.id,
          r.subjectId,
          r.schoolAgencyId,
          r.hospitalAgencyId,
          r.state,
          c.reason.seal(r.reason),
          r.guardiansNotified,
          r.createdBy,
          r.createdAt,
          r.correlationId,
        ],
      );
    },
    async updateReferralState(id, change) {
      const updated = await tx.query(
        `UPDATE referrals SET state = $2, decline_reason = $3, updated_at = $4, version = version + 1
         WHERE id = $1 AND version = $5 RETURNING id`,
        [id, change.state, c.declineReason.seal(change.declineReason), change.updatedAt, change.expectedVersion],
      );
      // The row was locked FOR UPDATE in this transaction, so a miss here is a programming error, not a race.
      if (updated.length !== 1) throw new Error(`Referral version moved under a held lock (expected ${change.expectedVersion}).`);
    },
    async appendTimeline(referralId, entry) {
      await tx.query(
        `INSERT INTO referral_timeline (referral_id, sequence, state, action, actor_agency_id, actor_user_id, actor_system, at, note)
         VALUES ($1, (SELECT COALESCE(MAX(sequence), 0) + 1 FROM referral_timeline WHERE referral_id = $1), $2, $3, $4, $5, $6, $7, $8)`,
        [referralId, entry.state, entry.action, entry.actorAgencyId, entry.actorUserId, entry.actorSystem, entry.at, c.note.seal(entry.note)],
      );
    },
    async claimEvent(consumer, eventId) {
      const rows = await tx.query('INSERT INTO processed_events (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING event_id', [
        consumer,
        eventId,
      ]);
      return rows.length === 1;
    },
    async enqueueOutgoing(topic, message) {
      await tx.query('INSERT INTO outbox (topic, message_key, message_value, headers) VALUES ($1, $2, $3, $4)', [
        topic,
        message.key,
        c.outbox.seal(message.value),
        JSON.stringify(message.headers ?? {}),
      ]);
    },
    recordAudit: (entry) => insertAudit(tx, entry),
  };
}

/** The ledger on SQL, shared by the PGlite and PostgreSQL adapters. Sensitive text is sealed with `cipher`. */
export function createSqlLedgerStore(client: SqlClient, cipher: DataCipher): LedgerStore & OutboxStore {
  const c = columnsFor(cipher);
  return {
    agencies: {
      async find(agencyId) {
        const [row] = await client.query('SELECT * FROM agencies WHERE id = $1', [agencyId]);
        return row ? toAgency(row) : null;
      },
      async list() {
        return (await client.query('SELECT * FROM agencies ORDER BY id')).map(toAgency);
      },
    },
    withTransaction: (work) => client.transaction((tx) => work(createTransaction(tx, c))),
    async findSubject(id) {
      const [row] = await client.query('SELECT * FROM subjects WHERE id = $1', [id]);
      return row ? toSubject(row) : null;
    },
    async listSubjects(schoolAgencyId) {
      return (await client.query('SELECT * FROM subjects WHERE school_agency_id = $1 ORDER BY local_ref', [schoolAgencyId])).map(toSubject);
    },
    async findReferral(id) {
      const [referral] = await loadReferrals(client, c, 'id = $1', [id]);
      return referral ?? null;
    },
    listReferralsInvolving: (agencyId) => loadReferrals(client, c, 'school_agency_id = $1 OR hospital_agency_id = $1', [agencyId]),
    recordAudit: (entry) => insertAudit(client, entry),
    async recordDeliveryProblem(p) {
      const inserted = await client.query(
        `INSERT INTO delivery_problems (event_id, referral_id, recipient_agency_id, reason, at)
         SELECT $1, r.id, $3, $4, $5 FROM referrals r WHERE r.id = $2 ON CONFLICT DO NOTHING RETURNING event_id`,
        [p.eventId, p.referralId, p.recipientAgencyId, p.reason, p.at],
      );
      return inserted.length > 0;
    },
    async purgeProcessedEventsBefore(at) {
      return (await client.query('DELETE FROM processed_events WHERE processed_at < $1 RETURNING event_id', [at])).length;
    },
    async upsertAgency(a) {
      await client.query(
        `INSERT INTO agencies (id, type, name, public_keys) VALUES ($1, $2, $3, $4)
         ON CONFLICT (id) DO UPDATE SET type = EXCLUDED.type, name = EXCLUDED.name, public_keys = EXCLUDED.public_keys`,
        [a.id, a.type, a.name, JSON.stringify(a.publicKeys)],
      );
    },
    async upsertSubject(s) {
      await client.query(
        `INSERT INTO subjects (id, school_agency_id, grade, local_ref) VALUES ($1, $2, $3, $4)
         ON CONFLICT (id) DO UPDATE SET school_agency_id = EXCLUDED.school_agency_id, grade = EXCLUDED.grade, local_ref = EXCLUDED.local_ref`,
        [s.id, s.schoolAgencyId, s.grade, s.localRef],
      );
    },
    async takeBatch(limit, publish) {
      // No transaction is held while publishing: the embedded bus writes to this same single-connection store.
      // Two relays racing may publish a row twice; consumers deduplicate by event id, so that is harmless.
      const rows = await client.query('SELECT id::text AS id, topic, message_key, message_value, headers FROM outbox ORDER BY id LIMIT $1', [limit]);
      if (rows.length === 0) return 0;
      await publish(
        rows.map((r) => ({
          topic: String(r.topic),
          message: { key: String(r.message_key), value: c.outbox.open(r.message_value) ?? '', headers: r.headers as Record<string, string> },
        })),
      );
      // Deleted only after the bus acknowledged: a crash in between republishes (at-least-once).
      await client.query('DELETE FROM outbox WHERE id = ANY($1::bigint[])', [rows.map((r) => r.id)]);
      return rows.length;
    },
  };
}
