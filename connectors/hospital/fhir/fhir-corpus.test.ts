import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFhirTestApp } from './fhir-test-app.js';

// The official HL7 FHIR R4 examples live outside the repository (an external corpus, never copied in).
const CORPUS = fileURLToPath(new URL('../../../../shared/fixtures/fhir-r4/', import.meta.url));
const exists = existsSync(CORPUS);
if (!exists) console.warn(`The external FHIR R4 example corpus is absent (${CORPUS}): the FHIR corpus tests are skipped.`);

/**
 * What the connector answers to each official example, and why. None is about a referral of ours: those naming a
 * ServiceRequest or Task id get 404 (not one of our referrals), the rest 422 (valid FHIR, nothing we take).
 */
const EXPECTED: Array<[RegExp, number, string]> = [
  [/^task-example\d\.json$/, 404, 'names ServiceRequest/lipid or, without one, its own Task id: no referral of ours'],
  [/^appointment-example\.json$/, 404, 'booked, basedOn ServiceRequest/myringotomy: not ours'],
  [/^appointment-example-request\.json$/, 422, 'names no ServiceRequest'],
  [/^encounter-example.*\.json$/, 422, 'no basedOn ServiceRequest'],
  [/^careplan-example.*\.json$/, 422, 'basedOn names no ServiceRequest'],
  [/^communication-example.*\.json$/, 422, 'basedOn names no ServiceRequest'],
  [/^documentreference-example\.json$/, 422, 'context.related names no ServiceRequest'],
  [/^servicerequest-example.*\.json$/, 422, 'ServiceRequests are served by the connector, never taken'],
  [/^(patient|organization|consent|operationoutcome)-example.*\.json$/, 422, 'a resource type the connector does not take'],
  [/^bundle-example\.json$/, 422, 'a searchset Bundle is not a write'],
  [/^bundle-transaction\.json$/, 422, 'a transaction of Patients, deletes and reads'],
  [/^xds-example\.json$/, 422, 'a transaction whose DocumentReference names no referral'],
];

const fixtures = exists
  ? readdirSync(CORPUS)
      .filter((f) => f.endsWith('.json'))
      .sort()
  : [];
const read = (file: string) => readFileSync(`${CORPUS}${file}`, 'utf8');
const pathFor = (text: string) => {
  const type = (JSON.parse(text) as { resourceType: string }).resourceType;
  return type === 'Bundle' ? '' : `/${type}`;
};

describe.skipIf(!exists)('the official FHIR R4 examples', () => {
  let t: Awaited<ReturnType<typeof createFhirTestApp>>;
  beforeAll(async () => {
    t = await createFhirTestApp();
  });
  afterAll(() => t.client.close());

  it('are there to test against', () => {
    expect(fixtures.length).toBeGreaterThan(30);
  });

  it.each(fixtures)('%s gets its recorded, deliberate answer and nothing reaches the hub', async (file) => {
    const expected = EXPECTED.find(([pattern]) => pattern.test(file));
    expect(expected, `record the expected answer to ${file} in EXPECTED`).toBeDefined();
    const text = read(file);
    const response = await t.send('POST', pathFor(text), text);
    expect([202, 400, 404, 409, 415, 422]).toContain(response.status);
    expect(response.status).toBe(expected?.[1]);
    const body = (await response.json()) as { resourceType: string };
    expect(['OperationOutcome', 'Bundle']).toContain(body.resourceType);
    expect(t.submitted).toEqual([]);
  });

  it('maps task-example1.json once it is about one of our referrals', async () => {
    const task = JSON.parse(read('task-example1.json')) as Record<string, unknown>;
    const response = await t.send('POST', '/Task', { ...task, focus: { reference: 'ServiceRequest/ref-0001' } });
    expect(response.status).toBe(202);
    // In progress with an execution period: the hospital has given the child an appointment.
    expect(t.submitted[0]?.drafts).toEqual([
      { referralId: 'ref-0001', action: 'SCHEDULE', reportedBy: 'Clinical Laboratory @ Acme Hospital', appointment: { start: '2016-10-31T08:25:05+10:00' } },
    ]);
  });
});
