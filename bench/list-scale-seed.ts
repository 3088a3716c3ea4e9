import type { SqlClient } from '../adapters/store/sql-client.js';
import type { Hub } from '../gateway/create-hub.js';
import { gql, tokenFor } from '../test/support/hub-client.js';
import { referralInput } from '../test/support/referral-fixtures.js';

/**
 * Seeding for bench/list-scale.bench.ts. A few dozen referrals go through the real service (GraphQL, policy,
 * sealing, events, timeline), then they are cloned in SQL up to the wanted size: new ids, codes, subjects and
 * timestamps, every other column (sealed blobs included) copied as-is. That is sound because the data cipher binds
 * a sealed value to its column name only (adapters/crypto/data-cipher.ts: the AAD is the purpose, e.g.
 * `referrals.reason`), so a copied blob opens in another row of the same column.
 *
 * Columns are read from information_schema, so a migration adding a column is copied too without touching this file.
 */

export const QUERIED_SCHOOL = 'school-east';
const OTHER_SCHOOL = 'school-west';
const HOSPITAL = 'hospital-kangning';
/** Clones start here, one minute apart, all older than the templates (which are created "now"). */
const CLONE_EPOCH = '2024-01-01T00:00:00Z';
/** Rows per INSERT ... SELECT, so PGlite's single WASM heap never holds one huge statement's work. */
const CHUNK = 20_000;
/** Child tables cloned with their referral: `referral_id` rewritten, `at` shifted with the referral's creation. */
const CHILD_TABLES = ['referral_timeline', 'referral_treatment_updates', 'referral_follow_ups'];

async function columnsOf(sql: SqlClient, table: string): Promise<string[]> {
  const rows = await sql.query<{ column_name: string }>(
    `SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`,
    [table],
  );
  if (rows.length === 0) throw new Error(`No table ${table}.`);
  return rows.map((r) => r.column_name);
}

function expect<T>(result: { data?: T | null; errors?: Array<{ message: string }> }, what: string): T {
  if (result.errors?.length || !result.data) throw new Error(`${what}: ${JSON.stringify(result.errors)}`);
  return result.data;
}

/**
 * Creates `schools` × referrals through GraphQL, one fresh student each, and moves them into a mix of states with
 * the hospital liaison: SENT, ACCEPTED, SCHEDULED (sealed appointment) and DECLINED (sealed decline reason).
 * Returns the template ids.
 */
export async function seedTemplates(hub: Hub, counts: { queriedSchool: number; otherSchool: number }): Promise<string[]> {
  const liaison = await tokenFor(hub.keyRing, HOSPITAL, 'hospital-liaison');
  const teachers = {
    [QUERIED_SCHOOL]: await tokenFor(hub.keyRing, QUERIED_SCHOOL, 'psychology-teacher'),
    [OTHER_SCHOOL]: await tokenFor(hub.keyRing, OTHER_SCHOOL, 'psychology-teacher'),
  };
  const ids: string[] = [];
  const total = counts.queriedSchool + counts.otherSchool;
  for (let i = 0; i < total; i++) {
    const school = i < counts.queriedSchool ? QUERIED_SCHOOL : OTHER_SCHOOL;
    const subjectId = `subj-tmpl-${String(i).padStart(3, '0')}-${Math.random().toString(36).slice(2, 6)}`;
    await hub.sql.query('INSERT INTO subjects (id, school_agency_id, grade, local_ref) VALUES ($1, $2, 8, $1)', [subjectId, school]);
    const created = expect(
      await gql<{ createReferral: { id: string } }>(hub.fetch, teachers[school], `mutation($i: CreateReferralInput!) { createReferral(input: $i) { id } }`, {
        i: referralInput({ subjectId, hospitalAgencyId: HOSPITAL, reason: `benchmark template ${i}` }),
      }),
      'createReferral',
    );
    const id = created.createReferral.id;
    ids.push(id);
    const step = i % 4;
    if (step === 1 || step === 2) {
      expect(await gql(hub.fetch, liaison, `mutation($id: ID!) { acceptReferral(id: $id) { id } }`, { id }), 'acceptReferral');
    }
    if (step === 2) {
      const start = new Date(Date.now() + 2 * 86_400_000).toISOString();
      expect(
        await gql(hub.fetch, liaison, `mutation($id: ID!, $a: AppointmentInput!) { scheduleAppointment(id: $id, appointment: $a) { id } }`, {
          id,
          a: { start, location: 'Outpatient building, room 3' },
        }),
        'scheduleAppointment',
      );
    }
    if (step === 3) {
      expect(
        await gql(hub.fetch, liaison, `mutation($id: ID!) { declineReferral(id: $id, reason: "no capacity this month") { id } }`, { id }),
        'declineReferral',
      );
    }
  }
  await hub.sql.query('CREATE TABLE IF NOT EXISTS bench_templates (k integer PRIMARY KEY, referral_id text NOT NULL)');
  await hub.sql.query('DELETE FROM bench_templates');
  for (const [k, id] of ids.entries()) await hub.sql.query('INSERT INTO bench_templates (k, referral_id) VALUES ($1, $2)', [k, id]);
  return ids;
}

/** Grows the store to `target` referrals in all by cloning the templates; returns how many clones it added. */
export async function growTo(sql: SqlClient, target: number): Promise<number> {
  const [{ n: existing } = { n: 0 }] = await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM referrals');
  const [{ n: templates } = { n: 0 }] = await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM bench_templates');
  const [{ g: nextClone } = { g: 0 }] = await sql.query<{ g: number }>(
    `SELECT COALESCE(max(substr(id, 12)::int) + 1, 0)::int AS g FROM subjects WHERE id LIKE 'subj-clone-%'`,
  );
  const wanted = target - existing;
  if (wanted <= 0 || templates === 0) return 0;

  const cloneId = (prefix: string) => `md5('${prefix}-' || g)::uuid::text`;
  const createdAt = `($4::timestamptz + g * interval '1 minute')`;
  const template = `FROM generate_series($1::int, $2::int) AS g JOIN bench_templates t ON t.k = g % $3 JOIN referrals r ON r.id = t.referral_id`;

  const subjectColumns = await columnsOf(sql, 'subjects');
  const subjectSelect = subjectColumns.map((c) => (c === 'id' ? `'subj-clone-' || g` : c === 'local_ref' ? `'B' || g` : `s.${c}`));
  const referralColumns = await columnsOf(sql, 'referrals');
  const hex = `lpad(upper(to_hex(g)), 7, '0')`;
  const referralOverrides: Record<string, string> = {
    id: cloneId('bench-referral'),
    // GC-Z...: hex digits are all in the code alphabet, and no clone code can collide with another clone's.
    code: `'GC-Z' || substr(${hex}, 1, 3) || '-' || substr(${hex}, 4, 4)`,
    subject_id: `'subj-clone-' || g`,
    created_at: createdAt,
    updated_at: `${createdAt} + (r.updated_at - r.created_at)`,
    correlation_id: cloneId('bench-correlation'),
  };
  const referralSelect = referralColumns.map((c) => referralOverrides[c] ?? `r.${c}`);
  const children = await Promise.all(CHILD_TABLES.map(async (table) => ({ table, columns: await columnsOf(sql, table) })));

  for (let from = nextClone; from < nextClone + wanted; from += CHUNK) {
    const to = Math.min(from + CHUNK, nextClone + wanted) - 1;
    const params = [from, to, templates, CLONE_EPOCH];
    await sql.query(
      `INSERT INTO subjects (${subjectColumns.join(', ')}) SELECT ${subjectSelect.join(', ')} ${template} JOIN subjects s ON s.id = r.subject_id`,
      params.slice(0, 3),
    );
    await sql.query(`INSERT INTO referrals (${referralColumns.join(', ')}) SELECT ${referralSelect.join(', ')} ${template}`, params);
    for (const { table, columns } of children) {
      const select = columns.map((c) => (c === 'referral_id' ? cloneId('bench-referral') : c === 'at' ? `${createdAt} + (x.at - r.created_at)` : `x.${c}`));
      await sql.query(`INSERT INTO ${table} (${columns.join(', ')}) SELECT ${select.join(', ')} ${template} JOIN ${table} x ON x.referral_id = r.id`, params);
    }
  }
  // What autovacuum would have done by the time a store held this much; without it PostgreSQL plans on stale counts.
  await sql.query('ANALYZE');
  return wanted;
}

/** How many referrals the queried school's staff list (the SQL side of the reader's "involving me" scope). */
export async function visibleCount(sql: SqlClient): Promise<number> {
  const [row] = await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM referrals WHERE school_agency_id = $1 OR hospital_agency_id = $1', [
    QUERIED_SCHOOL,
  ]);
  return row?.n ?? 0;
}

/** The (created_at, id) position of the `offset`-th referral the queried school sees, oldest first. */
export async function positionAt(sql: SqlClient, offset: number): Promise<{ at: Date; id: string }> {
  const [row] = await sql.query<{ created_at: Date | string; id: string }>(
    `SELECT created_at, id FROM referrals WHERE school_agency_id = $1 OR hospital_agency_id = $1 ORDER BY created_at, id OFFSET $2 LIMIT 1`,
    [QUERIED_SCHOOL, offset],
  );
  if (!row) throw new Error(`No referral at offset ${offset}.`);
  return { at: row.created_at instanceof Date ? row.created_at : new Date(row.created_at), id: row.id };
}
