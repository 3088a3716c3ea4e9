import type { DirectoryStore, SubjectRecord } from '../../core/ports/directory.js';
import type { AgencyRecord } from '../../core/ports/keys.js';
import type { SqlClient } from './sql-client.js';

type Row = Record<string, unknown>;

function toAgency(row: Row): AgencyRecord {
  return {
    id: String(row.id),
    type: row.type as AgencyRecord['type'],
    name: String(row.name),
    districtId: typeof row.district_id === 'string' ? row.district_id : null,
    publicKeys: row.public_keys as AgencyRecord['publicKeys'],
  };
}

function toSubject(row: Row): SubjectRecord {
  return {
    id: String(row.id),
    schoolAgencyId: String(row.school_agency_id),
    grade: Number(row.grade),
    localRef: String(row.local_ref),
    classRef: typeof row.class_ref === 'string' ? row.class_ref : null,
  };
}

/** Agencies and subjects on SQL (migration set `hub`). */
export function createSqlDirectoryStore(client: SqlClient): DirectoryStore {
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
    async upsertAgency(a) {
      await client.query(
        `INSERT INTO agencies (id, type, name, district_id, public_keys) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (id) DO UPDATE SET type = EXCLUDED.type, name = EXCLUDED.name, district_id = EXCLUDED.district_id, public_keys = EXCLUDED.public_keys`,
        [a.id, a.type, a.name, a.districtId ?? null, JSON.stringify(a.publicKeys)],
      );
    },
    async findSubject(id) {
      const [row] = await client.query('SELECT * FROM subjects WHERE id = $1', [id]);
      return row ? toSubject(row) : null;
    },
    async findSubjects(ids) {
      if (ids.length === 0) return [];
      return (await client.query('SELECT * FROM subjects WHERE id = ANY($1::text[])', [ids])).map(toSubject);
    },
    async findSubjectsByLocalRef(schoolAgencyId, localRefs) {
      if (localRefs.length === 0) return [];
      // One scan of the (school, local_ref) index for all the numbers asked for, not a scan of the school; on PGlite
      // ~20% less than a lateral probe per number for a 2,000-row screening batch.
      const rows = await client.query('SELECT * FROM subjects WHERE school_agency_id = $1 AND local_ref = ANY($2::text[]) AND left_on IS NULL', [
        schoolAgencyId,
        localRefs,
      ]);
      return rows.map(toSubject);
    },
    async listSubjects(schoolAgencyId, page) {
      const rows = await client.query('SELECT * FROM subjects WHERE school_agency_id = $1 AND id > $2 AND left_on IS NULL ORDER BY id LIMIT $3', [
        schoolAgencyId,
        page.after ?? '',
        page.first + 1,
      ]);
      return { items: rows.slice(0, page.first).map(toSubject), hasMore: rows.length > page.first };
    },
    async upsertSubject(s) {
      await client.query(
        `INSERT INTO subjects (id, school_agency_id, grade, local_ref) VALUES ($1, $2, $3, $4)
         ON CONFLICT (id) DO UPDATE SET school_agency_id = EXCLUDED.school_agency_id, grade = EXCLUDED.grade, local_ref = EXCLUDED.local_ref`,
        [s.id, s.schoolAgencyId, s.grade, s.localRef],
      );
    },
  };
}
