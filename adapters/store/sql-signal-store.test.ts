import { describe, expect, it } from 'vitest';
import { migrate } from './migrate.js';
import { createPgliteClient } from './pglite-client.js';
import { createSqlSignalStore } from './sql-signal-store.js';
import { createSqlUnitOfWork } from './sql-unit-of-work.js';
import { createDataCipher } from '../crypto/data-cipher.js';
import type { NewSignal } from '../../core/signal/signal-store.js';

const day = (d: number) => new Date(Date.UTC(2026, 10, d, 8));

async function storeWithTwoChildren() {
  const client = await createPgliteClient();
  for (const set of ['hub', 'signal'] as const) await migrate(client, set);
  await client.query(
    `INSERT INTO agencies (id, type, name, public_keys) VALUES ('school-east', 'school', 'East', '{}'), ('police-haishu', 'public-safety', 'Haishu', '{}')`,
  );
  await client.query(
    `INSERT INTO subjects (id, school_agency_id, grade, local_ref) VALUES ('subj-a', 'school-east', 8, 'S-1'), ('subj-b', 'school-east', 8, 'S-2')`,
  );
  const cipher = createDataCipher({ keys: { k1: Buffer.alloc(32, 1) }, activeKeyId: 'k1' });
  const uow = createSqlUnitOfWork(client, cipher);
  const signals = createSqlSignalStore(client, cipher);
  let n = 0;
  const signal = (localId: string, route: NewSignal['route'], at: Date, sourceId = `src-${++n}`): NewSignal => ({
    id: `sig-${String(++n).padStart(4, '0')}`,
    policeAgencyId: 'police-haishu',
    sourceId,
    policeDistrictId: null,
    policeLocalId: localId,
    category: 'ONLINE_SELF_HARM_RISK',
    severity: 'HIGH',
    observedAt: at,
    receivedAt: at,
    text: signals.sealText({ officer: 'officer 7', note: null }),
    episodeId: `ep-${n}`,
    route,
  });
  const routedTo = (subjectId: string, at: Date) => ({ subjectId, schoolAgencyId: 'school-east', dueAt: new Date(at.getTime() + 3_600_000) });
  const insert = (...rows: NewSignal[]) => uow.withTransaction((tx) => signals.insertMany(tx, rows));
  const links = async () =>
    (await client.query(`SELECT local_id, subject_id, linked_at FROM agency_local_ids WHERE agency_id = 'police-haishu' ORDER BY local_id`)).map((r) => ({
      localId: String(r.local_id),
      subjectId: String(r.subject_id),
      linkedAt: new Date(r.linked_at as string).toISOString(),
    }));
  return { signal, routedTo, insert, links };
}

describe('storing signals', () => {
  it("links the bureau's record number to the child of each routed signal it inserts, and not that of a waiting one", async () => {
    const { signal, routedTo, insert, links } = await storeWithTwoChildren();
    const inserted = await insert(
      signal('HZ-1', routedTo('subj-a', day(1)), day(1)),
      signal('HZ-2', { waitingFor: { keyId: 'p1', digest: 'd-unknown' } }, day(1)),
      signal('HZ-3', routedTo('subj-b', day(1)), day(1)),
    );
    expect(inserted.size).toBe(3);
    expect(await links()).toEqual([
      { localId: 'HZ-1', subjectId: 'subj-a', linkedAt: day(1).toISOString() },
      { localId: 'HZ-3', subjectId: 'subj-b', linkedAt: day(1).toISOString() },
    ]);
  });

  it('keeps a link that holds with the time it was first made, and moves one that now names another child', async () => {
    const { signal, routedTo, insert, links } = await storeWithTwoChildren();
    await insert(signal('HZ-1', routedTo('subj-a', day(1)), day(1)), signal('HZ-2', routedTo('subj-a', day(1)), day(1)));
    await insert(signal('HZ-1', routedTo('subj-a', day(5)), day(5)), signal('HZ-2', routedTo('subj-b', day(5)), day(5)));
    expect(await links()).toEqual([
      { localId: 'HZ-1', subjectId: 'subj-a', linkedAt: day(1).toISOString() },
      { localId: 'HZ-2', subjectId: 'subj-b', linkedAt: day(5).toISOString() },
    ]);
  });

  it('inserts a source id on record no second time, and links nothing for it', async () => {
    const { signal, routedTo, insert, links } = await storeWithTwoChildren();
    await insert(signal('HZ-1', routedTo('subj-a', day(1)), day(1), 'src-same'));
    const again = await insert(signal('HZ-9', routedTo('subj-b', day(2)), day(2), 'src-same'));
    expect(again.size).toBe(0);
    expect(await links()).toEqual([{ localId: 'HZ-1', subjectId: 'subj-a', linkedAt: day(1).toISOString() }]);
  });

  it('links a record number once when a batch names it twice, to the child of its newest observation', async () => {
    const { signal, routedTo, insert, links } = await storeWithTwoChildren();
    // The earlier observation made first, so that neither its id nor its place in the batch decides.
    const earlier = { ...signal('HZ-1', routedTo('subj-a', day(2)), day(2)), receivedAt: day(4) };
    const later = { ...signal('HZ-1', routedTo('subj-b', day(3)), day(3)), receivedAt: day(4) };
    for (const batch of [
      [later, earlier],
      [earlier, later],
    ]) {
      const fresh = batch.map((s, i) => ({ ...s, id: `${s.id}-${batch.indexOf(later)}-${i}`, sourceId: `${s.sourceId}-${batch.indexOf(later)}` }));
      expect((await insert(...fresh)).size).toBe(2);
    }
    expect(await links()).toEqual([{ localId: 'HZ-1', subjectId: 'subj-b', linkedAt: day(4).toISOString() }]);
  });
});
