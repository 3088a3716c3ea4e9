import type { CareStore } from '../../core/warning/care-store.js';
import type { CareTask, CarerRole, StudentCarer } from '../../core/warning/care-task.js';
import type { DataCipher } from '../crypto/data-cipher.js';
import { sealedColumn } from './sealed-column.js';
import type { SqlClient } from './sql-client.js';
import { runnerFor, sqlOf } from './sql-unit-of-work.js';
import { asDate, optDate, optText } from './sql-values.js';

type Row = Record<string, unknown>;

function toCarer(r: Row): StudentCarer {
  return {
    schoolAgencyId: String(r.school_agency_id),
    subjectId: String(r.subject_id),
    userId: String(r.user_id),
    role: r.role as CarerRole,
    assignedAt: asDate(r.assigned_at),
  };
}

/** Carers, observations and care tasks on SQL (migration set `warning`). */
export function createSqlCareStore(client: SqlClient, cipher: DataCipher): CareStore {
  const note = sealedColumn(cipher, 'observations.note');
  const outcome = sealedColumn(cipher, 'care_tasks.outcome');
  const contactNote = sealedColumn(cipher, 'carer_contacts.note');
  const toTask = (r: Row): CareTask => ({
    id: String(r.id),
    schoolAgencyId: String(r.school_agency_id),
    subjectId: String(r.subject_id),
    kind: r.kind as CareTask['kind'],
    cause: String(r.cause),
    warningId: optText(r.warning_id),
    observationId: optText(r.observation_id),
    assigneeUserId: optText(r.assignee_user_id),
    dueAt: asDate(r.due_at),
    createdAt: asDate(r.created_at),
    doneAt: optDate(r.done_at),
    doneBy: optText(r.done_by),
    outcome: outcome.open(r.outcome),
    overdueRaisedAt: optDate(r.overdue_raised_at),
  });
  return {
    async assignCarer(tx, c) {
      await sqlOf(tx).query(
        `INSERT INTO student_carers (school_agency_id, subject_id, user_id, role, assigned_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (subject_id, user_id, role) DO NOTHING`,
        [c.schoolAgencyId, c.subjectId, c.userId, c.role, c.assignedAt],
      );
    },
    async removeCarer(tx, subjectId, userId, role) {
      const rows = await sqlOf(tx).query('DELETE FROM student_carers WHERE subject_id = $1 AND user_id = $2 AND role = $3 RETURNING user_id', [
        subjectId,
        userId,
        role,
      ]);
      return rows.length > 0;
    },
    async carersOf(subjectIds, tx) {
      if (subjectIds.length === 0) return [];
      return (
        await runnerFor(client, tx).query('SELECT * FROM student_carers WHERE subject_id = ANY($1::text[]) ORDER BY subject_id, user_id', [subjectIds])
      ).map(toCarer);
    },
    async studentsOf(schoolAgencyId, userId, page) {
      const rows = await client.query(
        `SELECT DISTINCT ON (subject_id) * FROM student_carers WHERE school_agency_id = $1 AND user_id = $2 AND subject_id > $3
          ORDER BY subject_id, role LIMIT $4`,
        [schoolAgencyId, userId, page.after ?? '', page.first + 1],
      );
      return { items: rows.slice(0, page.first).map(toCarer), hasMore: rows.length > page.first };
    },
    async insertObservation(tx, o) {
      await sqlOf(tx).query(
        `INSERT INTO observations (id, school_agency_id, subject_id, observer_user_id, observer_kind, triggers, note, observed_at, recorded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [o.id, o.schoolAgencyId, o.subjectId, o.observerUserId, o.observerKind, o.triggers, note.seal(o.note), o.observedAt, o.recordedAt],
      );
    },
    async insertTasks(tx, tasks) {
      if (tasks.length === 0) return;
      await sqlOf(tx).query(
        `INSERT INTO care_tasks (id, school_agency_id, subject_id, kind, cause, warning_id, observation_id, assignee_user_id, due_at, created_at)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::timestamptz[], $10::timestamptz[])`,
        [
          tasks.map((t) => t.id),
          tasks.map((t) => t.schoolAgencyId),
          tasks.map((t) => t.subjectId),
          tasks.map((t) => t.kind),
          tasks.map((t) => t.cause),
          tasks.map((t) => t.warningId),
          tasks.map((t) => t.observationId),
          tasks.map((t) => t.assigneeUserId),
          tasks.map((t) => t.dueAt),
          tasks.map((t) => t.createdAt),
        ],
      );
    },
    async findTask(id) {
      const [row] = await client.query('SELECT * FROM care_tasks WHERE id = $1', [id]);
      return row ? toTask(row) : null;
    },
    async lockTask(tx, id) {
      const [row] = await sqlOf(tx).query('SELECT * FROM care_tasks WHERE id = $1 FOR UPDATE', [id]);
      return row ? toTask(row) : null;
    },
    async completeTask(tx, id, done) {
      await sqlOf(tx).query('UPDATE care_tasks SET done_at = $2, done_by = $3, outcome = $4 WHERE id = $1', [id, done.at, done.by, outcome.seal(done.outcome)]);
    },
    async closeOpenTasksOf(tx, warningId, done) {
      const rows = await sqlOf(tx).query(
        'UPDATE care_tasks SET done_at = $2, done_by = $3, outcome = $4 WHERE warning_id = $1 AND done_at IS NULL RETURNING id',
        [warningId, done.at, done.by, outcome.seal(done.outcome)],
      );
      return rows.length;
    },
    async listTasks(schoolAgencyId, page) {
      const params: unknown[] = [schoolAgencyId];
      const where = ['school_agency_id = $1'];
      if (page.assigneeUserId !== undefined) where.push(`assignee_user_id = $${params.push(page.assigneeUserId)}`);
      if (page.openOnly) where.push('done_at IS NULL');
      if (page.after) where.push(`(due_at, id) > ($${params.push(page.after.at)}, $${params.push(page.after.id)})`);
      const rows = await client.query(
        `SELECT * FROM care_tasks WHERE ${where.join(' AND ')} ORDER BY due_at, id LIMIT $${params.push(page.first + 1)}`,
        params,
      );
      return { items: rows.slice(0, page.first).map(toTask), hasMore: rows.length > page.first };
    },
    async markOverdue(tx, now, limit) {
      const rows = await sqlOf(tx).query(
        `UPDATE care_tasks SET overdue_raised_at = $1
          WHERE id IN (SELECT id FROM care_tasks WHERE done_at IS NULL AND overdue_raised_at IS NULL AND due_at < $1 ORDER BY due_at, id LIMIT $2)
          RETURNING *`,
        [now, limit],
      );
      return rows.map(toTask);
    },
    async insertContact(tx, c) {
      await sqlOf(tx).query(
        `INSERT INTO carer_contacts (id, school_agency_id, subject_id, carer_user_id, carer_role, kind, at, note, recorded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [c.id, c.schoolAgencyId, c.subjectId, c.carerUserId, c.carerRole, c.kind, c.at, contactNote.seal(c.note), c.recordedAt],
      );
    },
    async coverage(schoolAgencyIds, term, year, mentorsPerClass) {
      if (schoolAgencyIds.length === 0) return [];
      // A contact counts for a student only when made by someone assigned to that student in that role.
      const rows = await client.query(
        `SELECT s.school AS school_agency_id,
           (SELECT count(*) FROM subjects WHERE school_agency_id = s.school AND left_on IS NULL) AS students,
           (SELECT count(DISTINCT (grade, class_ref)) FROM subjects WHERE school_agency_id = s.school AND left_on IS NULL AND class_ref IS NOT NULL) AS classes,
           (SELECT count(*) FROM (
              SELECT 1 FROM subjects su JOIN student_carers k ON k.subject_id = su.id AND k.role = 'MENTOR'
              WHERE su.school_agency_id = s.school AND su.left_on IS NULL AND su.class_ref IS NOT NULL
              GROUP BY su.grade, su.class_ref HAVING count(DISTINCT k.user_id) >= $6) enough) AS classes_with_mentors,
           (SELECT count(DISTINCT subject_id) FROM student_carers WHERE school_agency_id = s.school AND role = 'MENTOR') AS with_mentor,
           (SELECT count(DISTINCT user_id) FROM student_carers WHERE school_agency_id = s.school AND role = 'MENTOR') AS mentors,
           (SELECT count(DISTINCT c.subject_id) FROM carer_contacts c JOIN student_carers k
               ON k.subject_id = c.subject_id AND k.user_id = c.carer_user_id AND k.role = 'MENTOR'
             WHERE c.school_agency_id = s.school AND c.carer_role = 'MENTOR' AND c.kind = 'TALK' AND c.at >= $2 AND c.at < $3) AS talked,
           (SELECT count(DISTINCT c.subject_id) FROM carer_contacts c JOIN student_carers k
               ON k.subject_id = c.subject_id AND k.user_id = c.carer_user_id AND k.role = 'MENTOR'
             WHERE c.school_agency_id = s.school AND c.carer_role = 'MENTOR' AND c.kind = 'HOME_VISIT' AND c.at >= $2 AND c.at < $3) AS mentor_visited,
           (SELECT count(DISTINCT subject_id) FROM student_carers WHERE school_agency_id = s.school AND role = 'CLASS_TEACHER') AS with_class_teacher,
           (SELECT count(DISTINCT c.subject_id) FROM carer_contacts c JOIN student_carers k
               ON k.subject_id = c.subject_id AND k.user_id = c.carer_user_id AND k.role = 'CLASS_TEACHER'
             WHERE c.school_agency_id = s.school AND c.carer_role = 'CLASS_TEACHER' AND c.kind = 'HOME_VISIT' AND c.at >= $4 AND c.at < $5) AS class_teacher_visited
         FROM unnest($1::text[]) AS s(school)`,
        [schoolAgencyIds, term.from, term.to, year.from, year.to, mentorsPerClass],
      );
      return rows.map((r) => ({
        schoolAgencyId: String(r.school_agency_id),
        students: Number(r.students),
        classes: Number(r.classes),
        classesWithEnoughMentors: Number(r.classes_with_mentors),
        studentsWithMentor: Number(r.with_mentor),
        mentors: Number(r.mentors),
        talkedThisTerm: Number(r.talked),
        mentorVisitedThisTerm: Number(r.mentor_visited),
        studentsWithClassTeacher: Number(r.with_class_teacher),
        classTeacherVisitedThisYear: Number(r.class_teacher_visited),
      }));
    },
    async listedAmong(schoolAgencyId, subjectIds, tx) {
      if (subjectIds.length === 0) return new Set();
      const rows = await runnerFor(client, tx).query(
        "SELECT subject_id FROM warning_entries WHERE school_agency_id = $1 AND subject_id = ANY($2::text[]) AND state <> 'LIFTED'",
        [schoolAgencyId, subjectIds],
      );
      return new Set(rows.map((r) => String(r.subject_id)));
    },
  };
}
