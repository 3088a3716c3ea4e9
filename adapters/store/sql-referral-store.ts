import type { ReferralChannel } from '../../core/referral/referral-events.js';
import type {
  Appointment,
  DeadlineBreach,
  DeliveryProblem,
  FollowUp,
  GuardianNotice,
  LeaveOfAbsence,
  Referral,
  ReferralAssessment,
  ReturnReview,
  TimelineEntry,
  TreatmentUpdate,
} from '../../core/referral/referral.js';
import { CLOSED_STATES, type ReferralState } from '../../core/referral/referral-state-machine.js';
import type { ReferralChange, ReferralFilter, ReferralStore } from '../../core/referral/referral-store.js';
import type { DataCipher } from '../crypto/data-cipher.js';
import { sealedColumn, sealedJsonColumn } from './sealed-column.js';
import type { SqlClient } from './sql-client.js';
import { sqlOf } from './sql-unit-of-work.js';
import { asDate, optDate, optText } from './sql-values.js';

type Row = Record<string, unknown>;

function columnsFor(cipher: DataCipher) {
  return {
    reason: sealedColumn(cipher, 'referrals.reason'),
    declineReason: sealedColumn(cipher, 'referrals.decline_reason'),
    withdrawReason: sealedColumn(cipher, 'referrals.withdraw_reason'),
    note: sealedColumn(cipher, 'referral_timeline.note'),
    guidance: sealedColumn(cipher, 'referral_treatment_updates.guidance'),
    outcome: sealedColumn(cipher, 'referral_follow_ups.outcome'),
    clinical: sealedJsonColumn(cipher, 'referral_treatment_updates.clinical', (r) => r as unknown as NonNullable<TreatmentUpdate['clinical']>),
    assessment: sealedJsonColumn(cipher, 'referrals.assessment', (r): ReferralAssessment => ({
      ...(r as unknown as ReferralAssessment),
      assessedAt: asDate(r.assessedAt),
    })),
    guardianNotice: sealedJsonColumn(cipher, 'referrals.guardian_notice', (r): GuardianNotice => ({
      ...(r as unknown as GuardianNotice),
      givenAt: asDate(r.givenAt),
      acknowledgedAt: optDate(r.acknowledgedAt),
    })),
    appointment: sealedJsonColumn(cipher, 'referrals.appointment', (r): Appointment => ({
      ...(r as unknown as Appointment),
      start: asDate(r.start),
      end: optDate(r.end),
    })),
    leave: sealedJsonColumn(cipher, 'referrals.leave_of_absence', (r): LeaveOfAbsence => ({
      ...(r as unknown as LeaveOfAbsence),
      from: asDate(r.from),
      expectedReturn: optDate(r.expectedReturn),
    })),
    returnReview: sealedJsonColumn(cipher, 'referrals.return_review', (r): ReturnReview => {
      const review = r as unknown as ReturnReview;
      const certificate = review.recoveryCertificate;
      return {
        ...review,
        decidedAt: optDate(r.decidedAt),
        recoveryCertificate: certificate ? { ...certificate, issuedAt: asDate(certificate.issuedAt), receivedAt: asDate(certificate.receivedAt) } : null,
      };
    }),
  };
}

type Columns = ReturnType<typeof columnsFor>;

function toTimelineEntry(row: Row, c: Columns): TimelineEntry {
  return {
    sequence: Number(row.sequence),
    state: row.state as ReferralState,
    action: row.action as TimelineEntry['action'],
    actorAgencyId: String(row.actor_agency_id),
    actorUserId: String(row.actor_user_id),
    actorSystem: optText(row.actor_system),
    at: asDate(row.at),
    note: c.note.open(row.note),
  };
}

function toTreatmentUpdate(row: Row, c: Columns): TreatmentUpdate {
  return {
    sequence: Number(row.sequence),
    kind: row.kind as TreatmentUpdate['kind'],
    at: asDate(row.at),
    reportedBy: String(row.reported_by),
    riskLevel: (optText(row.risk_level) as TreatmentUpdate['riskLevel']) ?? null,
    guidance: c.guidance.open(row.guidance),
    nextAppointmentAt: optDate(row.next_appointment_at),
    returnRecommendation: (optText(row.return_recommendation) as TreatmentUpdate['returnRecommendation']) ?? null,
    clinical: c.clinical.open(row.clinical),
  };
}

function toFollowUp(row: Row, c: Columns): FollowUp {
  return {
    sequence: Number(row.sequence),
    at: asDate(row.at),
    channel: row.channel as FollowUp['channel'],
    by: String(row.by_user),
    outcome: c.outcome.open(row.outcome) ?? '',
  };
}

/**
 * What is attached to a referral, as JSON arrays in their order, one index scan a referral each: so that a referral
 * and everything attached arrive in one statement (one snapshot) rather than six.
 */
const ATTACHED = `
  (SELECT json_agg(t ORDER BY t.sequence) FROM referral_timeline t WHERE t.referral_id = referrals.id) AS attached_timeline,
  (SELECT json_agg(u ORDER BY u.sequence) FROM referral_treatment_updates u WHERE u.referral_id = referrals.id) AS attached_updates,
  (SELECT json_agg(f ORDER BY f.sequence) FROM referral_follow_ups f WHERE f.referral_id = referrals.id) AS attached_follow_ups,
  (SELECT json_agg(b ORDER BY b.raised_at, b.kind) FROM referral_deadline_breaches b WHERE b.referral_id = referrals.id) AS attached_breaches,
  (SELECT json_agg(p ORDER BY p.at) FROM delivery_problems p WHERE p.referral_id = referrals.id) AS attached_problems`;

const attachedRows = (value: unknown): Row[] => (Array.isArray(value) ? (value as Row[]) : []);

/**
 * Loads referrals with everything attached, in `ORDER BY created_at, id` order and `limit` rows at most. Read, it is
 * one statement whatever the number of referrals, and a missing id costs that statement as a hidden one does.
 * Locked (`FOR UPDATE`), the rows are locked first and what is attached read after, in a second statement: read
 * with the lock, it would come from the snapshot taken before the lock was waited for, and miss what the transaction
 * that held it had just added.
 */
async function loadReferrals(
  client: SqlClient,
  c: Columns,
  where: string,
  params: unknown[],
  /** `limit`: SQL, a placeholder or a literal. */
  options: { limit?: string; lock?: boolean } = {},
): Promise<Referral[]> {
  const page = `ORDER BY created_at, id${options.limit ? ` LIMIT ${options.limit}` : ''}`;
  let rows: Row[];
  if (options.lock) {
    const locked = await client.query(`SELECT * FROM referrals WHERE ${where} ${page} FOR UPDATE`, params);
    if (locked.length === 0) return [];
    const attached = new Map(
      (await client.query(`SELECT referrals.id, ${ATTACHED} FROM referrals WHERE id = ANY($1)`, [locked.map((r) => String(r.id))])).map((a) => [
        String(a.id),
        a,
      ]),
    );
    rows = locked.map((r) => ({ ...attached.get(String(r.id)), ...r }));
  } else {
    // The page is chosen inside, so that what is attached is read for its rows only, never for every row sorted.
    rows = await client.query(
      `SELECT referrals.*, ${ATTACHED} FROM (SELECT * FROM referrals WHERE ${where} ${page}) referrals ORDER BY created_at, id`,
      params,
    );
  }
  return rows.map((row): Referral => {
    const id = String(row.id);
    return {
      id,
      code: String(row.code),
      channel: row.channel as ReferralChannel,
      subjectId: String(row.subject_id),
      schoolAgencyId: String(row.school_agency_id),
      hospitalAgencyId: String(row.hospital_agency_id),
      state: row.state as ReferralState,
      reason: c.reason.open(row.reason) ?? '',
      assessment: c.assessment.open(row.assessment),
      guardianNotice: c.guardianNotice.open(row.guardian_notice),
      createdBy: String(row.created_by),
      createdAt: asDate(row.created_at),
      updatedAt: asDate(row.updated_at),
      version: Number(row.version),
      correlationId: String(row.correlation_id),
      declineReason: c.declineReason.open(row.decline_reason),
      withdrawReason: c.withdrawReason.open(row.withdraw_reason),
      appointment: c.appointment.open(row.appointment),
      leave: c.leave.open(row.leave_of_absence),
      returnReview: c.returnReview.open(row.return_review),
      timeline: attachedRows(row.attached_timeline).map((t) => toTimelineEntry(t, c)),
      treatmentUpdates: attachedRows(row.attached_updates).map((u) => toTreatmentUpdate(u, c)),
      followUps: attachedRows(row.attached_follow_ups).map((f) => toFollowUp(f, c)),
      breaches: attachedRows(row.attached_breaches).map((b): DeadlineBreach => ({
        kind: b.kind as DeadlineBreach['kind'],
        dueAt: asDate(b.due_at),
        raisedAt: asDate(b.raised_at),
      })),
      deliveryProblems: attachedRows(row.attached_problems).map((p): DeliveryProblem => ({
        recipientAgencyId: String(p.recipient_agency_id),
        reason: String(p.reason),
        at: asDate(p.at),
      })),
    };
  });
}

/** Adds `value` to the statement's parameters and returns its placeholder. */
function bind(params: unknown[], value: unknown): string {
  params.push(value);
  return `$${params.length}`;
}

/** Builds the WHERE clause of a filtered list; every filter becomes SQL, none is applied in memory. */
function filterSql(filter: ReferralFilter, params: unknown[]): string[] {
  const where: string[] = [];
  const param = (value: unknown) => bind(params, value);
  if (filter.involving !== undefined) {
    const p = param(filter.involving);
    where.push(`(school_agency_id = ${p} OR hospital_agency_id = ${p})`);
  }
  if (filter.states?.length) where.push(`state = ANY(${param(filter.states)})`);
  if (filter.channel) where.push(`channel = ${param(filter.channel)}`);
  if (filter.schoolAgencyId) where.push(`school_agency_id = ${param(filter.schoolAgencyId)}`);
  if (filter.schoolAgencyIds) where.push(`school_agency_id = ANY(${param(filter.schoolAgencyIds)})`);
  if (filter.subjectIds) where.push(`subject_id = ANY(${param(filter.subjectIds)})`);
  if (filter.hospitalAgencyId) where.push(`hospital_agency_id = ${param(filter.hospitalAgencyId)}`);
  // Overdue: a breach raised after the referral last moved (any progress answers the deadline that passed).
  if (filter.overdue !== undefined) {
    where.push(
      `${filter.overdue ? '' : 'NOT '}EXISTS (SELECT 1 FROM referral_deadline_breaches b WHERE b.referral_id = referrals.id AND b.raised_at > referrals.updated_at)`,
    );
  }
  return where;
}

/** The referral capability on SQL (migration sets `hub` and `referral`). Sensitive text and records are sealed. */
export function createSqlReferralStore(client: SqlClient, cipher: DataCipher): ReferralStore {
  const c = columnsFor(cipher);
  return {
    async find(id) {
      const [referral] = await loadReferrals(client, c, 'id = $1', [id]);
      return referral ?? null;
    },
    async findByCode(code) {
      const [referral] = await loadReferrals(client, c, 'code = $1', [code]);
      return referral ?? null;
    },
    async findForUpdate(tx, id) {
      const [referral] = await loadReferrals(sqlOf(tx), c, 'id = $1', [id], { lock: true });
      return referral ?? null;
    },
    async findOpenForSubject(tx, subjectId) {
      const [referral] = await loadReferrals(sqlOf(tx), c, 'subject_id = $1 AND state <> ALL($2)', [subjectId, [...CLOSED_STATES]], { limit: '1', lock: true });
      return referral ?? null;
    },
    async list(filter, page) {
      const params: unknown[] = [];
      const where = filterSql(filter, params);
      if (page.after) where.push(`(created_at, id) > (${bind(params, page.after.createdAt)}, ${bind(params, page.after.id)})`);
      const limit = bind(params, page.first + 1);
      const items = await loadReferrals(client, c, where.length ? where.join(' AND ') : 'TRUE', params, { limit });
      return { items: items.slice(0, page.first), hasMore: items.length > page.first };
    },
    async listOpenIn(states, limit, after) {
      const params: unknown[] = [states, limit];
      let where = 'state = ANY($1)';
      if (after) {
        params.push(after.createdAt, after.id);
        where += ' AND (created_at, id) > ($3, $4)';
      }
      return loadReferrals(client, c, where, params, { limit: '$2' });
    },
    async insert(tx, r) {
      await sqlOf(tx).query(
        `INSERT INTO referrals (id, code, channel, subject_id, school_agency_id, hospital_agency_id, state, reason, assessment, guardian_notice,
           created_by, created_at, updated_at, correlation_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13)`,
        [
          r.id,
          r.code,
          r.channel,
          r.subjectId,
          r.schoolAgencyId,
          r.hospitalAgencyId,
          r.state,
          c.reason.seal(r.reason),
          c.assessment.seal(r.assessment),
          c.guardianNotice.seal(r.guardianNotice),
          r.createdBy,
          r.createdAt,
          r.correlationId,
        ],
      );
    },
    async update(tx, id, change: ReferralChange) {
      const sets: string[] = [];
      const params: unknown[] = [id, change.expectedVersion, change.updatedAt];
      const set = (column: string, value: unknown) => sets.push(`${column} = ${bind(params, value)}`);
      if (change.state !== undefined) set('state', change.state);
      if (change.hospitalAgencyId !== undefined) set('hospital_agency_id', change.hospitalAgencyId);
      if (change.declineReason !== undefined) set('decline_reason', c.declineReason.seal(change.declineReason));
      if (change.withdrawReason !== undefined) set('withdraw_reason', c.withdrawReason.seal(change.withdrawReason));
      if (change.appointment !== undefined) set('appointment', c.appointment.seal(change.appointment));
      if (change.leave !== undefined) set('leave_of_absence', c.leave.seal(change.leave));
      if (change.returnReview !== undefined) set('return_review', c.returnReview.seal(change.returnReview));
      const updated = await sqlOf(tx).query(
        `UPDATE referrals SET ${[...sets, 'updated_at = $3', 'version = version + 1'].join(', ')} WHERE id = $1 AND version = $2 RETURNING id`,
        params,
      );
      // The row was locked FOR UPDATE in this transaction, so a miss here is a programming error, not a race.
      if (updated.length !== 1) throw new Error(`Referral version moved under a held lock (expected ${change.expectedVersion}).`);
    },
    async appendTimeline(tx, referralId, entry) {
      await sqlOf(tx).query(
        `INSERT INTO referral_timeline (referral_id, sequence, state, action, actor_agency_id, actor_user_id, actor_system, at, note)
         VALUES ($1, (SELECT COALESCE(MAX(sequence), 0) + 1 FROM referral_timeline WHERE referral_id = $1), $2, $3, $4, $5, $6, $7, $8)`,
        [referralId, entry.state, entry.action, entry.actorAgencyId, entry.actorUserId, entry.actorSystem, entry.at, c.note.seal(entry.note)],
      );
    },
    async appendTreatmentUpdate(tx, referralId, u) {
      await sqlOf(tx).query(
        `INSERT INTO referral_treatment_updates (referral_id, sequence, kind, at, reported_by, risk_level, next_appointment_at, return_recommendation, guidance, clinical)
         VALUES ($1, (SELECT COALESCE(MAX(sequence), 0) + 1 FROM referral_treatment_updates WHERE referral_id = $1), $2, $3, $4, $5, $6, $7, $8, $9)`,
        [
          referralId,
          u.kind,
          u.at,
          u.reportedBy,
          u.riskLevel,
          u.nextAppointmentAt,
          u.returnRecommendation,
          c.guidance.seal(u.guidance),
          c.clinical.seal(u.clinical),
        ],
      );
    },
    async appendFollowUp(tx, referralId, f) {
      await sqlOf(tx).query(
        `INSERT INTO referral_follow_ups (referral_id, sequence, at, channel, by_user, outcome)
         VALUES ($1, (SELECT COALESCE(MAX(sequence), 0) + 1 FROM referral_follow_ups WHERE referral_id = $1), $2, $3, $4, $5)`,
        [referralId, f.at, f.channel, f.by, c.outcome.seal(f.outcome)],
      );
    },
    async recordBreach(tx, referralId, b) {
      const rows = await sqlOf(tx).query(
        `INSERT INTO referral_deadline_breaches (referral_id, kind, due_at, raised_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING kind`,
        [referralId, b.kind, b.dueAt, b.raisedAt],
      );
      return rows.length === 1;
    },
    async recordDeliveryProblem(p) {
      const inserted = await client.query(
        `INSERT INTO delivery_problems (event_id, referral_id, recipient_agency_id, reason, at)
         SELECT $1, r.id, $3, $4, $5 FROM referrals r WHERE r.id = $2 ON CONFLICT DO NOTHING RETURNING event_id`,
        [p.eventId, p.referralId, p.recipientAgencyId, p.reason, p.at],
      );
      return inserted.length > 0;
    },
    async countBySchool(schoolAgencyIds, from, to) {
      const rows = await client.query(
        `SELECT r.school_agency_id,
           count(*)::int AS referred,
           count(*) FILTER (WHERE r.channel = 'OUTPATIENT')::int AS referred_outpatient,
           count(*) FILTER (WHERE r.channel = 'COUNSELLING')::int AS referred_counselling,
           count(*) FILTER (WHERE EXISTS (SELECT 1 FROM referral_timeline t WHERE t.referral_id = r.id AND t.action = 'RECORD_ATTENDANCE'))::int AS attended,
           count(*) FILTER (WHERE EXISTS (SELECT 1 FROM referral_timeline t WHERE t.referral_id = r.id AND t.action = 'ADMIT'))::int AS admitted,
           count(*) FILTER (WHERE EXISTS (SELECT 1 FROM referral_timeline t WHERE t.referral_id = r.id AND t.action = 'DECIDE_RETURN' AND t.state = 'FOLLOW_UP'))::int
             AS returned_to_school,
           COALESCE(sum((SELECT count(*) FROM referral_deadline_breaches b WHERE b.referral_id = r.id)), 0)::int AS deadline_breaches
         FROM referrals r
         WHERE r.school_agency_id = ANY($1) AND r.created_at >= $2 AND r.created_at < $3
         GROUP BY r.school_agency_id ORDER BY r.school_agency_id`,
        [schoolAgencyIds, from, to],
      );
      return rows.map((r) => ({
        schoolAgencyId: String(r.school_agency_id),
        referred: Number(r.referred),
        referredOutpatient: Number(r.referred_outpatient),
        referredCounselling: Number(r.referred_counselling),
        attended: Number(r.attended),
        admitted: Number(r.admitted),
        returnedToSchool: Number(r.returned_to_school),
        deadlineBreaches: Number(r.deadline_breaches),
      }));
    },
  };
}
