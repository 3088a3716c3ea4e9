import type { ScreeningScale } from '../../core/warning/screening-scales.js';
import type { ScreeningStore } from '../../core/warning/screening-store.js';
import type { DataCipher } from '../crypto/data-cipher.js';
import { sealedColumn } from './sealed-column.js';
import type { SqlClient } from './sql-client.js';
import { sqlOf } from './sql-unit-of-work.js';
import { asDate } from './sql-values.js';

const keyOf = (r: { subjectId: string; scale: string; takenOn: string }) => `${r.subjectId}\u0000${r.scale}\u0000${r.takenOn}`;
const dayOf = (v: unknown): string => (v instanceof Date ? v.toISOString().slice(0, 10) : String(v).slice(0, 10));

/** Screening results on SQL (migration set `warning`): a batch costs one read and one write, whatever its size. */
export function createSqlScreeningStore(client: SqlClient, cipher: DataCipher): ScreeningStore {
  const score = sealedColumn(cipher, 'screening_results.score');
  return {
    async record(tx, results) {
      if (results.length === 0) return { applied: 0 };
      const school = results[0]!.schoolAgencyId;
      // The same student, scale and day twice in one batch: the later line wins, as it would in the file.
      const latest = new Map(results.map((r) => [keyOf(r), r]));
      const rows = [...latest.values()];
      // Sealed scores cannot be compared in SQL: the ones on record are read, opened and compared here.
      // One primary-key probe per row of the batch. Joined plainly, the planner (PGlite keeps no statistics: it has
      // no autovacuum) hashed every result the school holds for each batch, so an import grew quadratic; OFFSET 0
      // keeps the lateral subquery a per-key index scan on PGlite and PostgreSQL alike.
      const existing = await sqlOf(tx).query(
        `SELECT r.* FROM unnest($2::text[], $3::text[], $4::date[]) AS k(subject_id, scale, taken_on)
           CROSS JOIN LATERAL (SELECT subject_id, scale, taken_on::text AS taken_on, score, assessor FROM screening_results
             WHERE school_agency_id = $1 AND subject_id = k.subject_id AND scale = k.scale AND taken_on = k.taken_on OFFSET 0) r`,
        [school, rows.map((r) => r.subjectId), rows.map((r) => r.scale), rows.map((r) => r.takenOn)],
      );
      const onRecord = new Map(existing.map((e) => [keyOf({ subjectId: String(e.subject_id), scale: String(e.scale), takenOn: dayOf(e.taken_on) }), e]));
      const changed = rows.filter((r) => {
        const e = onRecord.get(keyOf(r));
        return !e || Number(score.open(e.score)) !== r.score || e.assessor !== r.assessor;
      });
      if (changed.length === 0) return { applied: 0 };
      await sqlOf(tx).query(
        `INSERT INTO screening_results (school_agency_id, subject_id, scale, taken_on, score, assessor, import_id, recorded_at)
         SELECT $1, * FROM unnest($2::text[], $3::text[], $4::date[], $5::text[], $6::text[], $7::text[], $8::timestamptz[])
         ON CONFLICT (school_agency_id, subject_id, scale, taken_on)
         DO UPDATE SET score = EXCLUDED.score, assessor = EXCLUDED.assessor, import_id = EXCLUDED.import_id, recorded_at = EXCLUDED.recorded_at`,
        [
          school,
          changed.map((r) => r.subjectId),
          changed.map((r) => r.scale),
          changed.map((r) => r.takenOn),
          changed.map((r) => score.seal(String(r.score))),
          changed.map((r) => r.assessor),
          changed.map((r) => r.importId),
          changed.map((r) => r.recordedAt),
        ],
      );
      return { applied: changed.length };
    },
    async forSubject(schoolAgencyId, subjectId, limit) {
      const rows = await client.query(
        `SELECT subject_id, school_agency_id, scale, taken_on::text AS taken_on, score, assessor, import_id, recorded_at FROM screening_results
          WHERE school_agency_id = $1 AND subject_id = $2 ORDER BY taken_on DESC, scale LIMIT $3`,
        [schoolAgencyId, subjectId, limit],
      );
      return rows.map((r) => ({
        subjectId: String(r.subject_id),
        schoolAgencyId: String(r.school_agency_id),
        scale: r.scale as ScreeningScale,
        takenOn: dayOf(r.taken_on),
        score: Number(score.open(r.score)),
        assessor: String(r.assessor),
        importId: String(r.import_id),
        recordedAt: asDate(r.recorded_at),
      }));
    },
  };
}
