import { describe, expect, it } from 'vitest';
import { migrate } from './migrate.js';
import { createPgliteClient } from './pglite-client.js';
import { createSqlEnrolmentStore } from './sql-enrolment-store.js';
import { createSqlUnitOfWork } from './sql-unit-of-work.js';
import { createDataCipher } from '../crypto/data-cipher.js';

const day = (d: number) => new Date(Date.UTC(2026, 10, d, 8));

async function storeWithTwoChildren() {
  const client = await createPgliteClient();
  await migrate(client, 'hub');
  await client.query(
    `INSERT INTO agencies (id, type, name, public_keys) VALUES ('school-east', 'school', 'East', '{}'), ('police-haishu', 'public-safety', 'Haishu', '{}')`,
  );
  await client.query(
    `INSERT INTO subjects (id, school_agency_id, grade, local_ref) VALUES ('subj-a', 'school-east', 8, 'S-1'), ('subj-b', 'school-east', 8, 'S-2')`,
  );
  const uow = createSqlUnitOfWork(client, createDataCipher({ keys: { k1: Buffer.alloc(32, 1) }, activeKeyId: 'k1' }));
  const enrolments = createSqlEnrolmentStore(client);
  const link = (localId: string, subjectId: string, at: Date) =>
    uow.withTransaction((tx) => enrolments.linkLocalIds(tx, [{ agencyId: 'police-haishu', localId, subjectId, at }]));
  const stored = async (localId: string) =>
    (await client.query(`SELECT subject_id, linked_at FROM agency_local_ids WHERE agency_id = 'police-haishu' AND local_id = $1`, [localId])).map((r) => ({
      subjectId: String(r.subject_id),
      linkedAt: new Date(r.linked_at as string).toISOString(),
    }));
  return { link, stored };
}

describe('agency local ids', () => {
  it('keeps the time an id was first linked when a later signal names the same child by it', async () => {
    const { link, stored } = await storeWithTwoChildren();
    await link('HZ-1', 'subj-a', day(1));
    await link('HZ-1', 'subj-a', day(5));
    expect(await stored('HZ-1')).toEqual([{ subjectId: 'subj-a', linkedAt: day(1).toISOString() }]);
  });

  it('moves an id to the child it now names, stamped with the new link time', async () => {
    const { link, stored } = await storeWithTwoChildren();
    await link('HZ-1', 'subj-a', day(1));
    await link('HZ-1', 'subj-b', day(5));
    expect(await stored('HZ-1')).toEqual([{ subjectId: 'subj-b', linkedAt: day(5).toISOString() }]);
  });
});
