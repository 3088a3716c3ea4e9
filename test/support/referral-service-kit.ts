import { createEphemeralDataCipher } from '../../adapters/crypto/data-cipher.js';
import { loadOrCreateKeyRing } from '../../adapters/crypto/key-ring.js';
import { createSignedEvent, verifySignedEvent, type VerifiedEvent } from '../../adapters/messaging/signed-event.js';
import { createOpaWasmPolicyEngine } from '../../adapters/policy/opa-wasm-policy-engine.js';
import { migrate } from '../../adapters/store/migrate.js';
import { createPgliteClient } from '../../adapters/store/pglite-client.js';
import { createSqlChangeFeed } from '../../adapters/store/sql-change-feed.js';
import { createSqlAuditLog } from '../../adapters/store/sql-audit-log.js';
import { createSqlCounsellingSlotStore } from '../../adapters/store/sql-counselling-slot-store.js';
import { createSqlDirectoryStore } from '../../adapters/store/sql-directory-store.js';
import { createSqlReferralStore } from '../../adapters/store/sql-referral-store.js';
import { createSqlUnitOfWork } from '../../adapters/store/sql-unit-of-work.js';
import { createManualClock } from '../../core/clock.js';
import { HUB_AGENCY_ID, SEED_AGENCIES } from '../../core/development-seed.js';
import { createCounsellingSlotService } from '../../core/referral/counselling-slot-service.js';
import { createReferralService } from '../../core/referral/referral-service.js';

/**
 * The referral capability's services on a real in-memory PostgreSQL (PGlite) with the real policy, the seed
 * agencies and a manual clock: what the core tests drive without a gateway.
 */
export async function createReferralServiceKit(start = new Date('2026-11-23T08:00:00Z')) {
  const sql = await createPgliteClient();
  for (const set of ['hub', 'referral', 'events'] as const) await migrate(sql, set);
  const cipher = createEphemeralDataCipher();
  const keyRing = await loadOrCreateKeyRing({ agencies: SEED_AGENCIES });
  const directory = createSqlDirectoryStore(sql);
  for (const agency of keyRing.directory()) await directory.upsertAgency(agency);
  const clock = createManualClock(start);
  const store = createSqlReferralStore(sql, cipher);
  const slotStore = createSqlCounsellingSlotStore(sql);
  const uow = createSqlUnitOfWork(sql, cipher);
  const audit = createSqlAuditLog(sql);
  const policy = await createOpaWasmPolicyEngine();
  const signer = await keyRing.signer(HUB_AGENCY_ID);
  const service = createReferralService({
    uow,
    referrals: store,
    slots: slotStore,
    directory,
    audit,
    policy,
    clock,
    changes: createSqlChangeFeed(sql),
  });
  const slots = createCounsellingSlotService({ uow, slots: slotStore, directory, audit, policy, clock });
  let subjects = 0;
  return {
    sql,
    clock,
    uow,
    cipher,
    signer,
    directory,
    audit,
    store,
    slotStore,
    service,
    slots,
    /** A fresh student of `school` (one open referral per child, so each test takes its own). */
    async newSubject(school = 'school-east') {
      const id = `subj-kit-${++subjects}`;
      await sql.query('INSERT INTO subjects (id, school_agency_id, grade, local_ref) VALUES ($1, $2, 7, $1)', [id, school]);
      return id;
    },
    /** Takes every event queued for the agencies so far, signed and verified, with the topic it goes to. */
    async drainOutbox(): Promise<Array<{ topic: string; event: VerifiedEvent }>> {
      const out: Array<{ topic: string; event: VerifiedEvent }> = [];
      while (
        (await uow.takeBatch(500, async (batch) => {
          for (const item of batch) {
            // Signed as the hub's relay signs them, after commit.
            const message = 'draft' in item ? await createSignedEvent({ signer, ...item.draft }) : item.message;
            out.push({ topic: item.topic, event: await verifySignedEvent(message.value, directory.agencies) });
          }
        })) > 0
      );
      return out;
    },
    close: () => sql.close(),
  };
}

export type ReferralServiceKit = Awaited<ReturnType<typeof createReferralServiceKit>>;
