import type { AssessmentState } from '../../core/warning/assessment-state-machine.js';
import type { CrisisCategory, WarningAssessment, WarningEntry, WarningGuardianNotice, WarningStep } from '../../core/warning/warning-entry.js';
import type { WarningState } from '../../core/warning/warning-state-machine.js';
import type { WarningStore } from '../../core/warning/warning-store.js';
import type { DataCipher } from '../crypto/data-cipher.js';
import { sealedColumn, sealedJsonColumn } from './sealed-column.js';
import type { SqlClient } from './sql-client.js';
import { sqlOf } from './sql-unit-of-work.js';
import { asDate, optDate } from './sql-values.js';

type Row = Record<string, unknown>;

function columnsFor(cipher: DataCipher) {
  return {
    proposalReason: sealedColumn(cipher, 'warning_assessments.proposal_reason'),
    interview: sealedJsonColumn(cipher, 'warning_assessments.interview', (r): NonNullable<WarningAssessment['interview']> => ({
      ...(r as unknown as NonNullable<WarningAssessment['interview']>),
      at: asDate(r.at),
    })),
    decision: sealedJsonColumn(cipher, 'warning_assessments.decision', (r): NonNullable<WarningAssessment['decision']> => ({
      ...(r as unknown as NonNullable<WarningAssessment['decision']>),
      at: asDate(r.at),
    })),
    plan: sealedColumn(cipher, 'warning_entries.plan'),
    guardianNotice: sealedJsonColumn(cipher, 'warning_entries.guardian_notice', (r): WarningGuardianNotice => ({
      ...(r as unknown as WarningGuardianNotice),
      givenAt: asDate(r.givenAt),
      acknowledgedAt: optDate(r.acknowledgedAt),
    })),
    reason: sealedColumn(cipher, 'warning_history.reason'),
  };
}

type Columns = ReturnType<typeof columnsFor>;

function toAssessment(row: Row, c: Columns): WarningAssessment {
  return {
    id: String(row.id),
    subjectId: String(row.subject_id),
    schoolAgencyId: String(row.school_agency_id),
    state: row.state as AssessmentState,
    proposedBy: String(row.proposed_by),
    proposedAt: asDate(row.proposed_at),
    proposalReason: c.proposalReason.open(row.proposal_reason) ?? '',
    interview: c.interview.open(row.interview),
    decision: c.decision.open(row.decision),
    warningId: typeof row.warning_id === 'string' ? row.warning_id : null,
    correlationId: String(row.correlation_id),
  };
}

/** Entries with their history in two statements, whatever the number of entries. */
async function loadEntries(client: SqlClient, c: Columns, where: string, params: unknown[], tail: string): Promise<WarningEntry[]> {
  const rows = await client.query(`SELECT * FROM warning_entries WHERE ${where} ${tail}`, params);
  if (rows.length === 0) return [];
  const steps = await client.query('SELECT * FROM warning_history WHERE warning_id = ANY($1) ORDER BY warning_id, sequence', [rows.map((r) => String(r.id))]);
  const history = new Map<string, WarningStep[]>();
  for (const s of steps) {
    const list = history.get(String(s.warning_id)) ?? [];
    list.push({
      sequence: Number(s.sequence),
      action: s.action as WarningStep['action'],
      from: (s.from_state as WarningState | null) ?? null,
      to: s.to_state as WarningState,
      at: asDate(s.at),
      actorUserId: String(s.actor_user_id),
      reason: c.reason.open(s.reason),
    });
    history.set(String(s.warning_id), list);
  }
  return rows.map((row) => ({
    id: String(row.id),
    subjectId: String(row.subject_id),
    schoolAgencyId: String(row.school_agency_id),
    state: row.state as WarningState,
    category: Number(row.category) as CrisisCategory,
    ownerUserId: String(row.owner_user_id),
    plan: c.plan.open(row.plan),
    tags: (row.tags as string[] | null) ?? [],
    assessmentId: String(row.assessment_id),
    guardianNotice: c.guardianNotice.open(row.guardian_notice),
    raisedAt: asDate(row.raised_at),
    updatedAt: asDate(row.updated_at),
    liftedAt: optDate(row.lifted_at),
    history: history.get(String(row.id)) ?? [],
    correlationId: String(row.correlation_id),
  }));
}

/** The warning register on SQL (migration set `warning`); reasons, interviews, plans and notices sealed at rest. */
export function createSqlWarningStore(client: SqlClient, cipher: DataCipher): WarningStore {
  const c = columnsFor(cipher);

  const assessmentValues = (a: WarningAssessment) => [
    a.id,
    a.subjectId,
    a.schoolAgencyId,
    a.state,
    a.proposedBy,
    a.proposedAt,
    c.proposalReason.seal(a.proposalReason),
    c.interview.seal(a.interview),
    c.decision.seal(a.decision),
    a.warningId,
    a.correlationId,
  ];
  const entryValues = (e: Omit<WarningEntry, 'history'>) => [
    e.id,
    e.subjectId,
    e.schoolAgencyId,
    e.state,
    e.category,
    e.ownerUserId,
    c.plan.seal(e.plan),
    e.tags,
    e.assessmentId,
    c.guardianNotice.seal(e.guardianNotice),
    e.raisedAt,
    e.updatedAt,
    e.liftedAt,
    e.correlationId,
  ];

  async function findAssessmentOn(runner: SqlClient, where: string, params: unknown[], tail = ''): Promise<WarningAssessment | null> {
    const [row] = await runner.query(`SELECT * FROM warning_assessments WHERE ${where} ${tail}`, params);
    return row ? toAssessment(row, c) : null;
  }

  return {
    async insertAssessment(tx, a) {
      await sqlOf(tx).query(
        `INSERT INTO warning_assessments (id, subject_id, school_agency_id, state, proposed_by, proposed_at, proposal_reason, interview, decision,
           warning_id, correlation_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        assessmentValues(a),
      );
    },
    async saveAssessment(tx, a) {
      await sqlOf(tx).query('UPDATE warning_assessments SET state = $2, interview = $3, decision = $4, warning_id = $5 WHERE id = $1', [
        a.id,
        a.state,
        c.interview.seal(a.interview),
        c.decision.seal(a.decision),
        a.warningId,
      ]);
    },
    findAssessment: (id) => findAssessmentOn(client, 'id = $1', [id]),
    lockAssessment: (tx, id) => findAssessmentOn(sqlOf(tx), 'id = $1', [id], 'FOR UPDATE'),
    async listAssessments(schoolAgencyId, page) {
      const params: unknown[] = [schoolAgencyId];
      const where = ['school_agency_id = $1'];
      if (page.state) where.push(`state = $${params.push(page.state)}`);
      if (page.proposedBy !== undefined) where.push(`proposed_by = $${params.push(page.proposedBy)}`);
      if (page.after) where.push(`(proposed_at, id) > ($${params.push(page.after.at)}, $${params.push(page.after.id)})`);
      const rows = await client.query(
        `SELECT * FROM warning_assessments WHERE ${where.join(' AND ')} ORDER BY proposed_at, id LIMIT $${params.push(page.first + 1)}`,
        params,
      );
      return { items: rows.slice(0, page.first).map((r) => toAssessment(r, c)), hasMore: rows.length > page.first };
    },

    async insertEntry(tx, e) {
      await sqlOf(tx).query(
        `INSERT INTO warning_entries (id, subject_id, school_agency_id, state, category, owner_user_id, plan, tags, assessment_id, guardian_notice,
           raised_at, updated_at, lifted_at, correlation_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
        entryValues(e),
      );
    },
    async saveEntry(tx, e) {
      await sqlOf(tx).query(
        `UPDATE warning_entries SET state = $4, category = $5, owner_user_id = $6, plan = $7, tags = $8, assessment_id = $9, guardian_notice = $10,
           raised_at = $11, updated_at = $12, lifted_at = $13 WHERE id = $1 AND subject_id = $2 AND school_agency_id = $3`,
        entryValues(e).slice(0, 13),
      );
    },
    async appendStep(tx, entryId, step) {
      await sqlOf(tx).query(
        `INSERT INTO warning_history (warning_id, sequence, action, from_state, to_state, at, actor_user_id, reason)
         SELECT $1, COALESCE(MAX(sequence), 0) + 1, $2, $3, $4, $5, $6, $7 FROM warning_history WHERE warning_id = $1`,
        [entryId, step.action, step.from, step.to, step.at, step.actorUserId, c.reason.seal(step.reason)],
      );
    },
    async findEntry(id) {
      const [entry] = await loadEntries(client, c, 'id = $1', [id], '');
      return entry ?? null;
    },
    async lockEntry(tx, id) {
      const [entry] = await loadEntries(sqlOf(tx), c, 'id = $1', [id], 'FOR UPDATE');
      return entry ?? null;
    },
    async findEntryForSubject(tx, schoolAgencyId, subjectId) {
      const [entry] = await loadEntries(sqlOf(tx), c, 'school_agency_id = $1 AND subject_id = $2', [schoolAgencyId, subjectId], 'FOR UPDATE');
      return entry ?? null;
    },
    async entryOfSubject(schoolAgencyId, subjectId) {
      const [entry] = await loadEntries(client, c, 'school_agency_id = $1 AND subject_id = $2', [schoolAgencyId, subjectId], '');
      return entry ?? null;
    },
    async countBySchool(schoolAgencyIds, from, to) {
      if (schoolAgencyIds.length === 0) return [];
      // One statement for the district. `referred` reads the referral ledger: both capabilities live in the hub's store.
      const rows = await client.query(
        `WITH steps AS (
           SELECT e.school_agency_id, h.warning_id, h.action FROM warning_history h JOIN warning_entries e ON e.id = h.warning_id
            WHERE e.school_agency_id = ANY($1::text[]) AND h.at >= $2 AND h.at < $3)
         SELECT s.school AS school_agency_id,
           (SELECT count(*) FROM steps WHERE steps.school_agency_id = s.school AND action IN ('RAISE', 'RERAISE')) AS raised,
           (SELECT count(*) FROM steps WHERE steps.school_agency_id = s.school AND action = 'LIFT') AS lifted,
           (SELECT count(DISTINCT e.id) FROM warning_entries e WHERE e.school_agency_id = s.school AND (
              EXISTS (SELECT 1 FROM steps WHERE steps.warning_id = e.id AND steps.action = 'REVIEW')
              OR EXISTS (SELECT 1 FROM care_tasks t WHERE t.school_agency_id = e.school_agency_id AND t.subject_id = e.subject_id
                           AND t.done_at >= $2 AND t.done_at < $3))) AS revisited,
           (SELECT count(*) FROM warning_entries e WHERE e.school_agency_id = s.school AND e.state <> 'LIFTED'
              AND EXISTS (SELECT 1 FROM care_tasks t WHERE t.school_agency_id = e.school_agency_id AND t.subject_id = e.subject_id
                            AND t.kind = 'HOME_VISIT' AND t.done_at >= e.raised_at)) AS home_visited,
           (SELECT count(*) FROM care_tasks t WHERE t.school_agency_id = s.school AND t.done_at IS NULL AND t.overdue_raised_at IS NOT NULL) AS overdue_tasks,
           (SELECT count(*) FROM warning_entries e WHERE e.school_agency_id = s.school AND e.state <> 'LIFTED') AS current,
           (SELECT count(*) FROM warning_entries e WHERE e.school_agency_id = s.school AND e.state <> 'LIFTED' AND e.category = 2) AS current_category2,
           (SELECT count(*) FROM warning_entries e WHERE e.school_agency_id = s.school AND e.state <> 'LIFTED' AND e.category = 3) AS current_category3,
           (SELECT count(*) FROM warning_entries e WHERE e.school_agency_id = s.school AND e.raised_at < $3
              AND EXISTS (SELECT 1 FROM referrals r WHERE r.subject_id = e.subject_id AND r.school_agency_id = e.school_agency_id AND r.created_at < $3)) AS referred
         FROM unnest($1::text[]) AS s(school)`,
        [schoolAgencyIds, from, to],
      );
      return rows.map((r) => ({
        schoolAgencyId: String(r.school_agency_id),
        raised: Number(r.raised),
        lifted: Number(r.lifted),
        current: Number(r.current),
        currentCategory2: Number(r.current_category2),
        currentCategory3: Number(r.current_category3),
        revisited: Number(r.revisited),
        referred: Number(r.referred),
        homeVisited: Number(r.home_visited),
        overdueTasks: Number(r.overdue_tasks),
      }));
    },
    async currentByKind(schoolAgencyIds) {
      if (schoolAgencyIds.length === 0) return [];
      const rows = await client.query(
        `SELECT school_agency_id, kind, count(*) AS n FROM warning_entries, unnest(tags) AS kind
          WHERE school_agency_id = ANY($1::text[]) AND state <> 'LIFTED' GROUP BY school_agency_id, kind ORDER BY school_agency_id, kind`,
        [schoolAgencyIds],
      );
      return rows.map((r) => ({ schoolAgencyId: String(r.school_agency_id), kind: String(r.kind), count: Number(r.n) }));
    },
    async specialAttentionKinds(districtId) {
      const rows = await client.query('SELECT code, label FROM special_attention_kinds WHERE district_id = $1 ORDER BY position', [districtId]);
      return rows.map((r) => ({ code: String(r.code), label: String(r.label) }));
    },
    async setSpecialAttentionKinds(tx, districtId, kinds) {
      await sqlOf(tx).query('DELETE FROM special_attention_kinds WHERE district_id = $1', [districtId]);
      if (kinds.length === 0) return;
      await sqlOf(tx).query(
        `INSERT INTO special_attention_kinds (district_id, code, label, position)
         SELECT $1, * FROM unnest($2::text[], $3::text[], $4::int[])`,
        [districtId, kinds.map((k) => k.code), kinds.map((k) => k.label), kinds.map((_, i) => i)],
      );
    },
    async listEntries(schoolAgencyId, page) {
      const params: unknown[] = [schoolAgencyId];
      const where = ['school_agency_id = $1'];
      if (page.state) where.push(`state = $${params.push(page.state)}`);
      if (page.after) where.push(`(raised_at, id) > ($${params.push(page.after.at)}, $${params.push(page.after.id)})`);
      const items = await loadEntries(client, c, where.join(' AND '), params, `ORDER BY raised_at, id LIMIT $${params.push(page.first + 1)}`);
      return { items: items.slice(0, page.first), hasMore: items.length > page.first };
    },
  };
}
