import type { CounsellingSlot } from '../../core/referral/counselling-slot.js';
import type { CounsellingSlotStore } from '../../core/referral/counselling-slot-store.js';
import type { SqlClient } from './sql-client.js';
import { sqlOf } from './sql-unit-of-work.js';
import { asDate } from './sql-values.js';

const COLUMNS = 'id, provider_agency_id, starts_at, ends_at, location, booked_referral_id, created_at, created_by';

function slotOf(row: Record<string, unknown>): CounsellingSlot {
  return {
    id: String(row.id),
    providerAgencyId: String(row.provider_agency_id),
    startsAt: asDate(row.starts_at),
    endsAt: asDate(row.ends_at),
    location: typeof row.location === 'string' ? row.location : null,
    bookedReferralId: typeof row.booked_referral_id === 'string' ? row.booked_referral_id : null,
    createdAt: asDate(row.created_at),
    createdBy: String(row.created_by),
  };
}

/** Counselling slots on SQL (migration set `referral`). Nothing here is personal data, so nothing is sealed. */
export function createSqlCounsellingSlotStore(client: SqlClient): CounsellingSlotStore {
  return {
    async insert(tx, slots) {
      if (slots.length === 0) return;
      // One statement for the whole batch: a centre publishes a week of slots at once.
      await sqlOf(tx).query(
        `INSERT INTO counselling_slots (id, provider_agency_id, starts_at, ends_at, location, created_at, created_by)
         SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::timestamptz[], $5::text[], $6::timestamptz[], $7::text[])`,
        [
          slots.map((s) => s.id),
          slots.map((s) => s.providerAgencyId),
          slots.map((s) => s.startsAt.toISOString()),
          slots.map((s) => s.endsAt.toISOString()),
          slots.map((s) => s.location),
          slots.map((s) => s.createdAt.toISOString()),
          slots.map((s) => s.createdBy),
        ],
      );
    },
    async find(id) {
      const [row] = await client.query(`SELECT ${COLUMNS} FROM counselling_slots WHERE id = $1`, [id]);
      return row ? slotOf(row) : null;
    },
    async list(filter, page) {
      const params: unknown[] = [filter.providerAgencyId, filter.from, filter.freeOnly, page.first + 1];
      let after = '';
      if (page.after) {
        params.push(page.after.at, page.after.id);
        after = 'AND (starts_at, id) > ($5, $6)';
      }
      const rows = await client.query(
        `SELECT ${COLUMNS} FROM counselling_slots
         WHERE provider_agency_id = $1 AND starts_at >= $2 AND (NOT $3 OR booked_referral_id IS NULL) ${after}
         ORDER BY starts_at, id LIMIT $4`,
        params,
      );
      return { items: rows.slice(0, page.first).map(slotOf), hasMore: rows.length > page.first };
    },
    async book(tx, slotId, referralId, providerAgencyId, notBefore) {
      const [row] = await sqlOf(tx).query(
        `UPDATE counselling_slots SET booked_referral_id = $2, booked_at = $4
         WHERE id = $1 AND provider_agency_id = $3 AND booked_referral_id IS NULL AND starts_at > $4
         RETURNING ${COLUMNS}`,
        [slotId, referralId, providerAgencyId, notBefore],
      );
      return row ? slotOf(row) : null;
    },
    async releaseUpcoming(tx, referralId, now) {
      const rows = await sqlOf(tx).query(
        `UPDATE counselling_slots SET booked_referral_id = NULL, booked_at = NULL WHERE booked_referral_id = $1 AND starts_at > $2 RETURNING id`,
        [referralId, now],
      );
      return rows.length;
    },
    async removeFree(tx, slotId, providerAgencyId) {
      const rows = await sqlOf(tx).query(
        'DELETE FROM counselling_slots WHERE id = $1 AND provider_agency_id = $2 AND booked_referral_id IS NULL RETURNING id',
        [slotId, providerAgencyId],
      );
      return rows.length === 1;
    },
  };
}
