import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createEphemeralDataCipher } from '../../adapters/crypto/data-cipher.js';
import { migrate } from '../../adapters/store/migrate.js';
import { createPgClient } from '../../adapters/store/pg-client.js';
import type { SqlClient } from '../../adapters/store/sql-client.js';
import { createSqlReferralStore } from '../../adapters/store/sql-referral-store.js';
import type { Transaction } from '../../core/ports/unit-of-work.js';
import type { ReferralAction } from '../../core/referral/referral-state-machine.js';
import type { NewReferral, ReferralStore } from '../../core/referral/referral-store.js';
import { createDatabase } from '../harness/postgres-server.js';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A referral is read with everything attached to it in one statement; locked for a change, the row is locked first and
 * what is attached read after. Two hub replicas (or two partitions applied at once) may change one referral at the
 * same moment: the second must see the timeline entry the first added, or it would build on a stale history.
 */
describe('a referral locked for a change (PostgreSQL)', () => {
  let sql: SqlClient;
  let store: ReferralStore;
  const tx = (t: unknown) => t as Transaction;

  beforeAll(async () => {
    const url = await createDatabase(inject('databaseUrl'), `referral_store_${randomUUID().slice(0, 8)}`);
    sql = createPgClient({ connectionString: url, max: 4 });
    await migrate(sql, 'hub');
    await migrate(sql, 'referral');
    await sql.query(`INSERT INTO agencies (id, type, name, public_keys) VALUES ('school-a', 'school', 'A', '{}'), ('hospital-a', 'hospital', 'H', '{}')`);
    store = createSqlReferralStore(sql, createEphemeralDataCipher());
  });
  afterAll(() => sql?.close());

  /** A referral of a child of its own (a child has one open referral at most), with its first timeline entry. */
  async function newReferral(): Promise<string> {
    const id = `ref-${randomUUID()}`;
    await sql.query(`INSERT INTO subjects (id, school_agency_id, grade, local_ref) VALUES ($1, 'school-a', 7, $1)`, [`subject-${id}`]);
    const referral: NewReferral = {
      id,
      code: id.slice(0, 12),
      channel: 'OUTPATIENT',
      subjectId: `subject-${id}`,
      schoolAgencyId: 'school-a',
      hospitalAgencyId: 'hospital-a',
      state: 'SENT',
      reason: 'a reason',
      assessment: null,
      guardianNotice: null,
      createdBy: 'teacher',
      createdAt: new Date(),
      correlationId: randomUUID(),
    };
    await sql.transaction(async (t) => {
      await store.insert(tx(t), referral);
      await store.appendTimeline(tx(t), id, entry('SEND'));
    });
    return id;
  }
  const entry = (action: ReferralAction): Parameters<ReferralStore['appendTimeline']>[2] => ({
    state: 'SENT',
    action,
    actorAgencyId: 'school-a',
    actorUserId: 'teacher',
    actorSystem: null,
    at: new Date(),
    note: `${action} note`,
  });

  it('shows what the transaction that held the lock added, once it has committed', async () => {
    const id = await newReferral();
    let release = () => undefined as void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let locked = () => undefined as void;
    const lockedFirst = new Promise<void>((resolve) => (locked = resolve));
    const first = sql.transaction(async (t) => {
      await store.findForUpdate(tx(t), id);
      await store.appendTimeline(tx(t), id, entry('ACCEPT'));
      locked();
      await held;
    });
    await lockedFirst;
    const second = sql.transaction(async (t) => (await store.findForUpdate(tx(t), id))?.timeline.map((e) => e.action));
    await tick(200);
    release();
    await first;
    expect(await second).toEqual(['SEND', 'ACCEPT']);
  });

  it('reads a referral with everything attached, in order, and nothing for an id that does not exist', async () => {
    const id = await newReferral();
    await sql.transaction(async (t) => {
      await store.appendTimeline(tx(t), id, entry('ACCEPT'));
      await store.appendTimeline(tx(t), id, entry('SCHEDULE'));
    });
    const found = await store.find(id);
    expect(found?.timeline.map((e) => [e.sequence, e.action, e.note])).toEqual([
      [1, 'SEND', 'SEND note'],
      [2, 'ACCEPT', 'ACCEPT note'],
      [3, 'SCHEDULE', 'SCHEDULE note'],
    ]);
    expect(found?.timeline[0]?.at).toBeInstanceOf(Date);
    expect(found?.treatmentUpdates).toEqual([]);
    expect(found?.breaches).toEqual([]);
    expect(await store.find(`ref-${randomUUID()}`)).toBeNull();
  });
});
