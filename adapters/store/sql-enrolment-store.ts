import { linkKey, type EnrolmentStore } from '../../core/enrolment/enrolment-store.js';
import type { Enrolment } from '../../core/enrolment/enrolment.js';
import type { SqlClient } from './sql-client.js';
import { sqlOf } from './sql-unit-of-work.js';

type Row = Record<string, unknown>;

const day = (v: unknown): string => (v instanceof Date ? v.toISOString().slice(0, 10) : String(v).slice(0, 10));

function toEnrolment(r: Row): Enrolment {
  return {
    subjectId: String(r.subject_id),
    schoolAgencyId: String(r.school_agency_id),
    grade: Number(r.grade),
    classRef: String(r.class_ref),
    localRef: String(r.local_ref),
    since: day(r.since),
    until: r.until === null || r.until === undefined ? null : day(r.until),
  };
}

/** The enrolment register and identity links on SQL (migration set `hub`, 0008). */
export function createSqlEnrolmentStore(client: SqlClient): EnrolmentStore {
  return {
    async subjectByLinks(tx, links) {
      if (links.length === 0) return null;
      const [row] = await sqlOf(tx).query(
        'SELECT l.subject_id FROM unnest($1::text[], $2::text[]) AS k(key_id, digest) JOIN identity_links l USING (key_id, digest) LIMIT 1',
        [links.map((l) => l.keyId), links.map((l) => l.digest)],
      );
      return row ? String(row.subject_id) : null;
    },
    async lockLinks(tx, links) {
      if (links.length === 0) return;
      // Transaction-scoped advisory locks, taken in one order by every caller so that two callers cannot deadlock.
      await sqlOf(tx).query(
        `SELECT count(pg_advisory_xact_lock(k)) FROM (
           SELECT DISTINCT hashtextextended(key_id || ':' || digest, 0) AS k FROM unnest($1::text[], $2::text[]) AS l(key_id, digest) ORDER BY k) x`,
        [links.map((l) => l.keyId), links.map((l) => l.digest)],
      );
    },
    async childrenByLinks(tx, links) {
      if (links.length === 0) return new Map();
      const rows = await sqlOf(tx).query(
        // Primary-key probes per link, then per child: PGlite keeps no statistics, and a plain join may hash every
        // link on record.
        `SELECT l.key_id, l.digest, l.subject_id, s.school_agency_id FROM unnest($1::text[], $2::text[]) AS k(key_id, digest)
           CROSS JOIN LATERAL (SELECT key_id, digest, subject_id FROM identity_links WHERE key_id = k.key_id AND digest = k.digest OFFSET 0) l
           LEFT JOIN LATERAL (SELECT school_agency_id FROM subjects WHERE id = l.subject_id AND left_on IS NULL OFFSET 0) s ON true`,
        [links.map((l) => l.keyId), links.map((l) => l.digest)],
      );
      return new Map(
        rows.map((r) => [
          linkKey({ keyId: String(r.key_id), digest: String(r.digest) }),
          {
            subjectId: String(r.subject_id),
            schoolAgencyId: typeof r.school_agency_id === 'string' ? r.school_agency_id : null,
          },
        ]),
      );
    },
    async enrol(tx, e) {
      const sql = sqlOf(tx);
      const [taken] = await sql.query('SELECT 1 FROM subjects WHERE school_agency_id = $1 AND local_ref = $2 AND left_on IS NULL AND id <> $3 LIMIT 1', [
        e.schoolAgencyId,
        e.localRef,
        e.subjectId,
      ]);
      if (taken) return { kind: 'NUMBER_TAKEN' };
      const [current] = await sql.query('SELECT school_agency_id, grade, class_ref, local_ref, left_on FROM subjects WHERE id = $1 FOR UPDATE', [e.subjectId]);
      // Every key's digest is linked on every enrolment: after re-keying, the register fills in the new links.
      const link = () =>
        sql.query(
          `INSERT INTO identity_links (key_id, digest, subject_id, linked_at)
           SELECT k.key_id, k.digest, $3, $4 FROM unnest($1::text[], $2::text[]) AS k(key_id, digest)
           ON CONFLICT (key_id, digest) DO NOTHING`,
          [e.links.map((l) => l.keyId), e.links.map((l) => l.digest), e.subjectId, e.at],
        );
      const stillEnrolled = current && (current.left_on === null || current.left_on === undefined);
      if (
        stillEnrolled &&
        current.school_agency_id === e.schoolAgencyId &&
        Number(current.grade) === e.grade &&
        current.class_ref === e.classRef &&
        current.local_ref === e.localRef
      ) {
        await link();
        return { kind: 'UNCHANGED' };
      }
      if (stillEnrolled && current.school_agency_id !== e.schoolAgencyId) {
        await sql.query(
          `INSERT INTO pending_transfers (subject_id, to_school_agency_id, grade, class_ref, local_ref, since, requested_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (subject_id, to_school_agency_id) DO UPDATE SET grade = EXCLUDED.grade, class_ref = EXCLUDED.class_ref,
             local_ref = EXCLUDED.local_ref, since = EXCLUDED.since, requested_at = EXCLUDED.requested_at`,
          [e.subjectId, e.schoolAgencyId, e.grade, e.classRef, e.localRef, e.since, e.at],
        );
        return { kind: 'TRANSFER_PENDING', from: { schoolAgencyId: String(current.school_agency_id), localRef: String(current.local_ref) } };
      }
      if (!current) {
        await sql.query('INSERT INTO subjects (id, school_agency_id, grade, local_ref, class_ref) VALUES ($1, $2, $3, $4, $5)', [
          e.subjectId,
          e.schoolAgencyId,
          e.grade,
          e.localRef,
          e.classRef,
        ]);
      } else {
        // A new grade or class closes the old stay too, so the history shows every step.
        await sql.query('UPDATE enrolments SET until = GREATEST(since, $2::date) WHERE subject_id = $1 AND until IS NULL', [e.subjectId, e.since]);
        await sql.query('UPDATE subjects SET school_agency_id = $2, grade = $3, local_ref = $4, class_ref = $5, left_on = NULL WHERE id = $1', [
          e.subjectId,
          e.schoolAgencyId,
          e.grade,
          e.localRef,
          e.classRef,
        ]);
      }
      await link();
      await sql.query(
        'INSERT INTO enrolments (subject_id, school_agency_id, grade, class_ref, local_ref, since, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7)',
        [e.subjectId, e.schoolAgencyId, e.grade, e.classRef, e.localRef, e.since, e.at],
      );
      return { kind: 'ENROLLED', created: !current };
    },
    async leave(tx, change) {
      const sql = sqlOf(tx);
      const [row] = await sql.query('UPDATE subjects SET left_on = $3 WHERE school_agency_id = $1 AND local_ref = $2 AND left_on IS NULL RETURNING id', [
        change.schoolAgencyId,
        change.localRef,
        change.on,
      ]);
      if (!row) return null;
      const subjectId = String(row.id);
      await sql.query('UPDATE enrolments SET until = GREATEST(since, $2::date) WHERE subject_id = $1 AND until IS NULL', [subjectId, change.on]);
      // The newest request wins if two schools asked; the others are dropped with the release.
      const [pending] = await sql
        .query('DELETE FROM pending_transfers WHERE subject_id = $1 RETURNING *', [subjectId])
        .then((rows) => rows.sort((a, b) => new Date(String(b.requested_at)).getTime() - new Date(String(a.requested_at)).getTime()));
      if (!pending) return { subjectId, transfer: null };
      const since = day(pending.since) > change.on ? day(pending.since) : change.on;
      await sql.query('UPDATE subjects SET school_agency_id = $2, grade = $3, local_ref = $4, class_ref = $5, left_on = NULL WHERE id = $1', [
        subjectId,
        pending.to_school_agency_id,
        pending.grade,
        pending.local_ref,
        pending.class_ref,
      ]);
      await sql.query(
        'INSERT INTO enrolments (subject_id, school_agency_id, grade, class_ref, local_ref, since, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7)',
        [subjectId, pending.to_school_agency_id, pending.grade, pending.class_ref, pending.local_ref, since, change.at],
      );
      return {
        subjectId,
        transfer: { subjectId, toSchoolAgencyId: String(pending.to_school_agency_id), localRef: String(pending.local_ref), since },
      };
    },
    async linkLocalIds(tx, links) {
      // One row per local id: ON CONFLICT DO UPDATE may not touch a row twice in one statement.
      // In key order, so that two transactions linking overlapping ids cannot deadlock. A link that holds already is
      // not written again: every signal a bureau sends re-asserts its record number, and rewriting the row each time
      // cost a batch of 500 a tenth of its transaction in PostgreSQL (a new row version and index entry per id).
      const last = [...new Map(links.map((l) => [`${l.agencyId}\u0000${l.localId}`, l])).entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([, l]) => l);
      if (last.length === 0) return;
      await sqlOf(tx).query(
        `INSERT INTO agency_local_ids (agency_id, local_id, subject_id, linked_at)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[])
         ON CONFLICT (agency_id, local_id) DO UPDATE SET subject_id = EXCLUDED.subject_id, linked_at = EXCLUDED.linked_at
         WHERE agency_local_ids.subject_id <> EXCLUDED.subject_id`,
        [last.map((l) => l.agencyId), last.map((l) => l.localId), last.map((l) => l.subjectId), last.map((l) => l.at)],
      );
    },
    async history(subjectId) {
      return (await client.query('SELECT * FROM enrolments WHERE subject_id = $1 ORDER BY id', [subjectId])).map(toEnrolment);
    },
    async classSizes(schoolAgencyId) {
      const rows = await client.query(
        `SELECT grade, class_ref, count(*)::int AS students FROM subjects
         WHERE school_agency_id = $1 AND left_on IS NULL AND class_ref IS NOT NULL GROUP BY grade, class_ref ORDER BY grade, class_ref`,
        [schoolAgencyId],
      );
      return rows.map((r) => ({ grade: Number(r.grade), classRef: String(r.class_ref), students: Number(r.students) }));
    },
  };
}
