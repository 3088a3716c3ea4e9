import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyStatusChange, referralToFhir } from '../../connectors/hospital/fhir/referral-to-fhir.js';
import { CANARY_REASON, HOSPITAL_ID, sentReferral } from '../../connectors/hospital/fhir/fhir-test-data.js';
import { createEphemeralDataCipher } from '../crypto/data-cipher.js';
import { migrate } from './migrate.js';
import { createPgliteClient } from './pglite-client.js';
import { createSqlFhirTaskStore } from './sql-fhir-task-store.js';
import type { SqlClient } from './sql-client.js';

describe('the SQL FHIR task store', () => {
  let client: SqlClient;
  beforeAll(async () => {
    client = await createPgliteClient({});
    await migrate(client, 'connector');
  });
  afterAll(() => client.close());

  const cipher = createEphemeralDataCipher();
  const store = () => createSqlFhirTaskStore(client, HOSPITAL_ID, cipher);

  it('keeps the Task and ServiceRequest of a referral and knows it', async () => {
    const tasks = store();
    const { task, serviceRequest } = referralToFhir(sentReferral(), HOSPITAL_ID);
    await tasks.upsert('ref-0001', HOSPITAL_ID, task, serviceRequest, 'GC-4821');
    expect(await tasks.get('ref-0001')).toEqual({ referralId: 'ref-0001', code: 'GC-4821', ownerAgencyId: HOSPITAL_ID, task, serviceRequest });
    expect(await tasks.knows('ref-0001')).toBe(true);
    expect(await tasks.knows('ref-9999')).toBe(false);
    expect(await tasks.get('ref-9999')).toBeNull();
  });

  it('updates the Task on a status change and keeps the ServiceRequest it already has', async () => {
    const tasks = store();
    const { task, serviceRequest } = referralToFhir(sentReferral({ referralId: 'ref-0002', code: 'GC-0002' }), HOSPITAL_ID);
    await tasks.upsert('ref-0002', HOSPITAL_ID, task, serviceRequest, 'GC-0002');
    const accepted = applyStatusChange(task, {
      referralId: 'ref-0002',
      state: 'ACCEPTED',
      previousState: 'SENT',
      action: 'ACCEPT',
      changedAt: '2025-03-04T10:00:00+08:00',
      changedByAgencyId: HOSPITAL_ID,
    });
    await tasks.upsert('ref-0002', HOSPITAL_ID, accepted, null, 'GC-0002');
    const record = await tasks.get('ref-0002');
    expect(record?.task.status).toBe('accepted');
    expect(record?.serviceRequest).toEqual(serviceRequest);
  });

  it('searches by status, owner and referral code, most recent first, bounded', async () => {
    const tasks = store();
    expect((await tasks.search({ limit: 10 })).map((t) => t.id)).toEqual(['ref-0002', 'ref-0001']);
    expect((await tasks.search({ status: 'accepted', limit: 10 })).map((t) => t.id)).toEqual(['ref-0002']);
    expect((await tasks.search({ code: 'GC-4821', limit: 10 })).map((t) => t.id)).toEqual(['ref-0001']);
    expect(await tasks.search({ owner: 'hospital-2', limit: 10 })).toEqual([]);
    expect(await tasks.search({ limit: 1 })).toHaveLength(1);
  });

  it('does not show one agency the tasks of another', async () => {
    const other = createSqlFhirTaskStore(client, 'hospital-2', cipher);
    expect(await other.knows('ref-0001')).toBe(false);
    expect(await other.search({ limit: 10 })).toEqual([]);
  });

  it('stores the resources sealed: the referral reason is not in the row in plain text', async () => {
    const rows = await client.query('SELECT * FROM fhir_tasks');
    expect(rows.length).toBeGreaterThan(0);
    expect(JSON.stringify(rows)).not.toContain('canary-reason');
    expect(CANARY_REASON).toContain('canary-reason');
  });
});
