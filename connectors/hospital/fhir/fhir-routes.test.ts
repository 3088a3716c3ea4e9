import type { Bundle, OperationOutcome, Task } from '@medplum/fhirtypes';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { validateFhirR4 } from './fhir-validator.js';
import { CANARY_REASON } from './fhir-test-data.js';
import { createFhirTestApp } from './fhir-test-app.js';

type TestApp = Awaited<ReturnType<typeof createFhirTestApp>>;
const sr = { reference: 'ServiceRequest/ref-0001' };
const accepted = { resourceType: 'Task', id: 'ref-0001', status: 'accepted', intent: 'order', focus: sr, owner: { display: 'Dr Wang' } };

describe('the FHIR routes', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createFhirTestApp();
  });
  afterAll(() => t.client.close());
  beforeEach(() => {
    t.submitted.length = 0;
  });

  const outcomeOf = async (response: Response) => (await response.json()) as OperationOutcome;

  it('serves the capability statement as FHIR JSON', async () => {
    const response = await t.send('GET', '/metadata');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/fhir+json; charset=utf-8');
    const body: unknown = await response.json();
    expect(body).toMatchObject({ resourceType: 'CapabilityStatement', fhirVersion: '4.0.1' });
    expect(validateFhirR4(body)).toMatchObject({ ok: true });
  });

  it('searches Tasks as a valid searchset Bundle', async () => {
    const response = await t.send('GET', '/Task?owner=hospital-1&status=requested&identifier=urn:careloop:referral-code|GC-4821&_count=5');
    const bundle = (await response.json()) as Bundle<Task>;
    expect(response.status).toBe(200);
    expect(bundle.type).toBe('searchset');
    expect(bundle.entry?.map((e) => e.resource?.id)).toEqual(['ref-0001']);
    expect(bundle.entry?.[0]?.fullUrl).toBe('http://localhost/fhir/r4/Task/ref-0001');
    expect(validateFhirR4(bundle)).toMatchObject({ ok: true });
  });

  it('finds nothing for another owner, status or referral code', async () => {
    for (const query of ['owner=hospital-2', 'owner:identifier=urn:careloop:agency|hospital-2', 'status=completed', 'identifier=GC-0000', 'code=approve']) {
      const bundle = (await (await t.send('GET', `/Task?${query}`)).json()) as Bundle;
      expect(bundle.entry, query).toEqual([]);
    }
  });

  it('refuses a _count that is not a number', async () => {
    expect((await t.send('GET', '/Task?_count=lots')).status).toBe(400);
  });

  it('reads the Task and the ServiceRequest of a referral, and 404s on others', async () => {
    expect(((await (await t.send('GET', '/Task/ref-0001')).json()) as Task).status).toBe('requested');
    expect(await (await t.send('GET', '/ServiceRequest/ref-0001')).json()).toMatchObject({ resourceType: 'ServiceRequest', id: 'ref-0001' });
    const missing = await t.send('GET', '/ServiceRequest/ref-9999');
    expect(missing.status).toBe(404);
    expect(await outcomeOf(missing)).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'not-found' }] });
    expect((await t.send('GET', '/Task/ref-9999')).status).toBe(404);
  });

  it('accepts a Task update as a report and answers 202 with the event ids, looking its Task up once', async () => {
    const lookups = vi.spyOn(t.tasks, 'knows');
    const response = await t.send('PUT', '/Task/ref-0001', accepted);
    expect(lookups.mock.calls).toEqual([['ref-0001']]);
    lookups.mockRestore();
    expect(response.status).toBe(202);
    expect(await outcomeOf(response)).toMatchObject({ issue: [{ severity: 'information', diagnostics: 'events: evt-1' }] });
    expect(t.submitted).toEqual([
      { drafts: [{ referralId: 'ref-0001', action: 'ACCEPT', reportedBy: 'Dr Wang' }], caller: { agencyId: 'hospital-1', credential: 'api-key:test' } },
    ]);
  });

  it('refuses a Task update whose body is another Task', async () => {
    expect((await t.send('PUT', '/Task/ref-0001', { ...accepted, id: 'ref-0002' })).status).toBe(400);
    expect((await t.send('PUT', '/Task/ref-0001', { ...accepted, focus: { reference: 'ServiceRequest/ref-0002' } })).status).toBe(404);
    expect((await t.send('PUT', '/Task/ref-9999', { ...accepted, id: 'ref-9999' })).status).toBe(404);
    expect(t.submitted).toEqual([]);
  });

  it.each([
    ['Task', { resourceType: 'Task', status: 'completed', intent: 'order', focus: sr }, 'RECORD_ATTENDANCE'],
    ['Encounter', { resourceType: 'Encounter', status: 'in-progress', class: { code: 'IMP' }, basedOn: [sr] }, 'ADMIT'],
    [
      'Appointment',
      {
        resourceType: 'Appointment',
        status: 'booked',
        start: '2025-03-06T14:00:00+08:00',
        end: '2025-03-06T15:00:00+08:00',
        basedOn: [sr],
        participant: [{ actor: { display: 'Dr Li' }, status: 'accepted' }],
      },
      'SCHEDULE',
    ],
    [
      'CarePlan',
      { resourceType: 'CarePlan', status: 'active', intent: 'plan', subject: { display: 'withheld' }, basedOn: [sr], description: 'Quiet room.' },
      'RECORD_TREATMENT_UPDATE',
    ],
    [
      'Communication',
      { resourceType: 'Communication', status: 'completed', basedOn: [sr], payload: [{ contentString: 'Better.' }] },
      'RECORD_TREATMENT_UPDATE',
    ],
    [
      'DocumentReference',
      {
        resourceType: 'DocumentReference',
        status: 'current',
        type: { text: 'Recovery certificate' },
        date: '2025-04-01T09:00:00+08:00',
        context: { related: [sr] },
        content: [{ attachment: { url: 'https://ehr.example/docs/1' } }],
      },
      'RECEIVE_RECOVERY_CERTIFICATE',
    ],
  ])('accepts a %s as a report', async (type, resource, action) => {
    const response = await t.send('POST', `/${type}`, resource, 'application/json');
    expect(response.status).toBe(202);
    expect(t.submitted[0]?.drafts.map((d) => d.action)).toEqual([action]);
  });

  it('refuses malformed JSON with 400', async () => {
    const response = await t.send('POST', '/Task', '{"resourceType": "Task",');
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/fhir+json; charset=utf-8');
    expect(await outcomeOf(response)).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'invalid' }] });
  });

  it('refuses a body that is not JSON with 415', async () => {
    expect((await t.send('POST', '/Task', JSON.stringify(accepted), 'text/plain')).status).toBe(415);
    expect((await t.send('POST', '/Task', 'resourceType=Task', 'application/x-www-form-urlencoded')).status).toBe(415);
  });

  it('refuses invalid FHIR with 400 and submits nothing', async () => {
    const response = await t.send('POST', '/Task', { resourceType: 'Task', intent: 'order', focus: sr });
    expect(response.status).toBe(400);
    expect(await outcomeOf(response)).toMatchObject({ issue: [{ expression: ['Task.status'] }] });
    expect(t.submitted).toEqual([]);
  });

  it('refuses what is not ours with 422 and an unknown referral with 404', async () => {
    expect((await t.send('POST', '/Patient', { resourceType: 'Patient' })).status).toBe(422);
    expect((await t.send('POST', '/Encounter', { resourceType: 'Encounter', status: 'finished', class: { code: 'AMB' } })).status).toBe(422);
    const unknown = await t.send('POST', '/Encounter', {
      resourceType: 'Encounter',
      status: 'finished',
      class: { code: 'AMB' },
      basedOn: [{ reference: 'ServiceRequest/ref-9999' }],
    });
    expect(unknown.status).toBe(404);
    expect(t.submitted).toEqual([]);
  });

  it('refuses a body of another type than the URL names', async () => {
    expect((await t.send('POST', '/Encounter', accepted)).status).toBe(400);
  });

  it('accepts a transaction Bundle with a transaction-response', async () => {
    const entry = (resource: object) => ({ resource, request: { method: 'POST', url: 'Task' } });
    const response = await t.send('POST', '', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [entry(accepted), entry({ ...accepted, status: 'completed' })],
    });
    expect(response.status).toBe(202);
    const bundle = (await response.json()) as Bundle;
    expect(bundle.type).toBe('transaction-response');
    expect(bundle.entry?.map((e) => e.response?.status)).toEqual(['202 Accepted', '202 Accepted']);
    expect(validateFhirR4(bundle)).toMatchObject({ ok: true });
    expect(t.submitted[0]?.drafts.map((d) => d.action)).toEqual(['ACCEPT', 'RECORD_ATTENDANCE']);
  });

  it('submits nothing from a transaction Bundle with one bad entry', async () => {
    const entry = (resource: object) => ({ resource, request: { method: 'POST', url: 'Task' } });
    const response = await t.send('POST', '', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [entry(accepted), entry({ ...accepted, status: 'rejected' })],
    });
    expect(response.status).toBe(422);
    expect(await outcomeOf(response)).toMatchObject({ issue: [{ expression: ['Bundle.entry[1].resource.statusReason'] }] });
    expect(t.submitted).toEqual([]);
  });

  it('logs no value from a body', async () => {
    await t.send('PUT', '/Task/ref-0001', { ...accepted, status: 'rejected', statusReason: { text: CANARY_REASON } });
    await t.send('POST', '/Task', { ...accepted, status: 'rejected', statusReason: { text: CANARY_REASON.repeat(100) } });
    expect(t.logLines.length).toBeGreaterThan(0);
    expect(t.logLines.join('\n')).not.toContain('canary');
  });
});
