import { describe, expect, it } from 'vitest';
import { reportsFromFhir } from './fhir-to-report.js';
import { CARELOOP_SYSTEMS } from './fhir-vocabulary.js';
import { FhirInputError } from './operation-outcome.js';

const ctx = { knownReferral: async (id: string) => id === 'ref-0001' || id === 'ref-0002' };
const sr = { reference: 'ServiceRequest/ref-0001' };
const bser = (code: string) => ({ coding: [{ system: 'http://hl7.org/fhir/us/bser/CodeSystem/TaskBusinessStatusCS', code }] });
const task = (extra: Record<string, unknown>) => ({ resourceType: 'Task', intent: 'order', focus: sr, owner: { display: 'Dr Wang' }, ...extra });

async function refusal(input: unknown): Promise<FhirInputError> {
  const error: unknown = await reportsFromFhir(input, ctx).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof FhirInputError)) throw new Error(`expected a FhirInputError, got ${String(error)}`);
  return error;
}

describe('reportsFromFhir: Task', () => {
  it('reports an accepted Task as ACCEPT, named by the owner', async () => {
    expect(await reportsFromFhir(task({ status: 'accepted' }), ctx)).toEqual([{ referralId: 'ref-0001', action: 'ACCEPT', reportedBy: 'Dr Wang' }]);
  });

  it('reports a rejected Task as DECLINE with its reason', async () => {
    const [draft] = await reportsFromFhir(task({ status: 'rejected', statusReason: { text: 'No capacity this week' } }), ctx);
    expect(draft).toMatchObject({ action: 'DECLINE', reason: 'No capacity this week' });
  });

  it('refuses a rejected Task without a reason', async () => {
    const error = await refusal(task({ status: 'rejected' }));
    expect([error.status, error.outcome.issue[0]?.expression]).toEqual([422, ['Task.statusReason']]);
  });

  it('reports a scheduled Task with its appointment from the execution period', async () => {
    const [draft] = await reportsFromFhir(
      task({ status: 'in-progress', businessStatus: bser('5.1.1'), executionPeriod: { start: '2025-03-06T14:00:00+08:00' } }),
      ctx,
    );
    expect(draft).toMatchObject({ action: 'SCHEDULE', appointment: { start: '2025-03-06T14:00:00+08:00' } });
  });

  it('refuses a scheduled Task without a start', async () => {
    expect((await refusal(task({ status: 'in-progress', businessStatus: bser('5.1.1') }))).status).toBe(422);
  });

  it('reports no-show and attendance business statuses', async () => {
    expect((await reportsFromFhir(task({ status: 'in-progress', businessStatus: bser('5.1.2') }), ctx))[0]?.action).toBe('RECORD_NO_SHOW');
    expect((await reportsFromFhir(task({ status: 'in-progress', businessStatus: bser('5.1.4') }), ctx))[0]?.action).toBe('RECORD_ATTENDANCE');
    expect((await reportsFromFhir(task({ status: 'completed' }), ctx))[0]?.action).toBe('RECORD_ATTENDANCE');
  });

  it('names a Task without focus by its own id, the referral id', async () => {
    const [draft] = await reportsFromFhir({ resourceType: 'Task', id: 'ref-0002', status: 'accepted', intent: 'order' }, ctx);
    expect(draft).toMatchObject({ referralId: 'ref-0002', reportedBy: 'unnamed' });
  });

  it('refuses a Task status that reports nothing', async () => {
    expect((await refusal(task({ status: 'draft' }))).status).toBe(422);
  });
});

describe('reportsFromFhir: Encounter and Appointment', () => {
  const encounter = (klass: string, status: string, extra: Record<string, unknown> = {}) => ({
    resourceType: 'Encounter',
    status,
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: klass },
    basedOn: [sr],
    participant: [{ individual: { display: 'Dr Li' } }],
    ...extra,
  });

  it('maps ambulatory, admission and discharge encounters', async () => {
    expect(await reportsFromFhir(encounter('AMB', 'finished'), ctx)).toEqual([{ referralId: 'ref-0001', action: 'RECORD_ATTENDANCE', reportedBy: 'Dr Li' }]);
    expect((await reportsFromFhir(encounter('IMP', 'in-progress'), ctx))[0]?.action).toBe('ADMIT');
    expect((await reportsFromFhir(encounter('IMP', 'finished'), ctx))[0]?.action).toBe('DISCHARGE');
    expect((await reportsFromFhir(encounter('IMP', 'in-progress', { hospitalization: { dischargeDisposition: { text: 'home' } } }), ctx))[0]?.action).toBe(
      'DISCHARGE',
    );
  });

  it('refuses a planned encounter', async () => {
    expect((await refusal(encounter('AMB', 'planned'))).status).toBe(422);
  });

  const appointment = (status: string, extra: Record<string, unknown> = {}) => ({
    resourceType: 'Appointment',
    status,
    basedOn: [sr],
    start: '2025-03-06T14:00:00+08:00',
    end: '2025-03-06T15:00:00+08:00',
    participant: [
      { actor: { reference: 'Location/clinic-3', display: 'Child psychiatry clinic, room 3' }, status: 'accepted' },
      { actor: { display: 'the child' }, status: 'accepted' },
    ],
    ...extra,
  });

  it('maps a booked appointment to SCHEDULE with its place', async () => {
    expect(await reportsFromFhir(appointment('booked'), ctx)).toEqual([
      {
        referralId: 'ref-0001',
        action: 'SCHEDULE',
        reportedBy: 'unnamed',
        appointment: { start: '2025-03-06T14:00:00+08:00', end: '2025-03-06T15:00:00+08:00', location: 'Child psychiatry clinic, room 3' },
      },
    ]);
  });

  it('maps no-show and fulfilled appointments', async () => {
    expect((await reportsFromFhir(appointment('noshow'), ctx))[0]?.action).toBe('RECORD_NO_SHOW');
    expect((await reportsFromFhir(appointment('fulfilled'), ctx))[0]?.action).toBe('RECORD_ATTENDANCE');
  });
});

describe('reportsFromFhir: treatment updates', () => {
  const guidance = (...codes: string[]) => [{ coding: codes.map((code) => ({ system: CARELOOP_SYSTEMS.schoolGuidance, code })) }];

  it('maps a CarePlan to guidance for the school and keeps clinical detail apart', async () => {
    const [draft] = await reportsFromFhir(
      {
        resourceType: 'CarePlan',
        status: 'active',
        intent: 'plan',
        subject: { display: 'withheld' },
        basedOn: [sr],
        author: { display: 'Dr Li' },
        category: guidance('risk-moderate', 'return-with-conditions'),
        description: 'Allow a quiet room at lunch.',
        addresses: [{ identifier: { system: 'http://hl7.org/fhir/sid/icd-10', value: 'F32.1' }, display: 'Moderate depressive episode' }],
        activity: [{ detail: { status: 'in-progress', productCodeableConcept: { text: 'sertraline 50 mg' } } }],
      },
      ctx,
    );
    expect(draft).toEqual({
      referralId: 'ref-0001',
      action: 'RECORD_TREATMENT_UPDATE',
      reportedBy: 'Dr Li',
      update: {
        guidance: 'Allow a quiet room at lunch.',
        riskLevel: 'MODERATE',
        returnRecommendation: 'RETURN_WITH_CONDITIONS',
        clinical: {
          diagnoses: [{ system: 'http://hl7.org/fhir/sid/icd-10', code: 'F32.1', display: 'Moderate depressive episode' }],
          medication: 'sertraline 50 mg',
        },
      },
    });
  });

  it('maps a Communication to guidance, leaving attachments at the hospital', async () => {
    const [draft] = await reportsFromFhir(
      {
        resourceType: 'Communication',
        status: 'completed',
        basedOn: [sr],
        sender: { display: 'Nurse Zhao' },
        category: guidance('risk-low'),
        payload: [{ contentString: 'Doing better; keep the check-ins.' }, { contentAttachment: { contentType: 'text/plain', data: 'c2VjcmV0' } }],
      },
      ctx,
    );
    expect(draft).toEqual({
      referralId: 'ref-0001',
      action: 'RECORD_TREATMENT_UPDATE',
      reportedBy: 'Nurse Zhao',
      update: { guidance: 'Doing better; keep the check-ins.', riskLevel: 'LOW' },
    });
  });

  it('refuses an unknown school-guidance code and an empty update', async () => {
    const base = { resourceType: 'Communication', status: 'completed', basedOn: [sr] };
    expect((await refusal({ ...base, category: guidance('risk-extreme'), payload: [{ contentString: 'x' }] })).status).toBe(422);
    expect((await refusal(base)).status).toBe(422);
  });
});

describe('reportsFromFhir: recovery certificates', () => {
  const document = (type: Record<string, unknown>) => ({
    resourceType: 'DocumentReference',
    status: 'current',
    type,
    date: '2025-04-01T09:00:00+08:00',
    author: [{ display: 'Dr Li' }],
    context: { related: [sr] },
    content: [{ attachment: { url: 'https://ehr.example/docs/991', data: 'c2VjcmV0', title: 'Recovery certificate' } }],
  });

  it('maps a recovery certificate to its title, date and address, never its data', async () => {
    const [draft] = await reportsFromFhir(document({ coding: [{ system: CARELOOP_SYSTEMS.documentKind, code: 'recovery-certificate' }] }), ctx);
    expect(draft).toEqual({
      referralId: 'ref-0001',
      action: 'RECEIVE_RECOVERY_CERTIFICATE',
      reportedBy: 'Dr Li',
      document: { title: 'Recovery certificate', issuedAt: '2025-04-01T09:00:00+08:00', reference: 'https://ehr.example/docs/991' },
    });
    expect(JSON.stringify(draft)).not.toContain('c2VjcmV0');
  });

  it('accepts a LOINC discharge summary and refuses other documents', async () => {
    expect((await reportsFromFhir(document({ coding: [{ system: 'http://loinc.org', code: '18842-5' }] }), ctx))[0]?.action).toBe(
      'RECEIVE_RECOVERY_CERTIFICATE',
    );
    expect((await refusal(document({ coding: [{ system: 'http://loinc.org', code: '34108-1' }] }))).status).toBe(422);
  });
});

describe('reportsFromFhir: refusals', () => {
  it('refuses invalid FHIR with 400 and the path', async () => {
    const error = await refusal({ resourceType: 'Task', intent: 'order', focus: sr });
    expect([error.status, error.outcome.issue[0]?.expression]).toEqual([400, ['Task.status']]);
  });

  it('refuses resource types it does not take with 422', async () => {
    expect((await refusal({ resourceType: 'Patient' })).status).toBe(422);
    expect((await refusal({ resourceType: 'Bundle', type: 'collection' })).status).toBe(422);
  });

  it('refuses a resource that names no referral with 422 and an unknown referral with 404', async () => {
    expect((await refusal({ resourceType: 'Encounter', status: 'finished', class: { code: 'AMB' } })).status).toBe(422);
    expect(
      (await refusal({ resourceType: 'Encounter', status: 'finished', class: { code: 'AMB' }, basedOn: [{ reference: 'ServiceRequest/other' }] })).status,
    ).toBe(404);
  });

  it('refuses text longer than the hub takes, without echoing it', async () => {
    const error = await refusal(task({ status: 'rejected', statusReason: { text: 'canary '.repeat(400) } }));
    expect([error.status, error.outcome.issue[0]?.expression]).toEqual([422, ['Task']]);
    expect(JSON.stringify(error.outcome)).not.toContain('canary');
  });
});

describe('reportsFromFhir: Bundles', () => {
  const entry = (resource: Record<string, unknown>) => ({ resource, request: { method: 'POST', url: String(resource.resourceType) } });

  it('maps every entry of a transaction, in order', async () => {
    const drafts = await reportsFromFhir(
      {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [entry(task({ status: 'accepted' })), entry(task({ status: 'completed', focus: { reference: 'ServiceRequest/ref-0002' } }))],
      },
      ctx,
    );
    expect(drafts.map((d) => [d.referralId, d.action])).toEqual([
      ['ref-0001', 'ACCEPT'],
      ['ref-0002', 'RECORD_ATTENDANCE'],
    ]);
  });

  it('refuses the whole Bundle when one entry fails, naming the entry', async () => {
    const error = await refusal({ resourceType: 'Bundle', type: 'batch', entry: [entry(task({ status: 'accepted' })), entry(task({ status: 'rejected' }))] });
    expect([error.status, error.outcome.issue[0]?.expression]).toEqual([422, ['Bundle.entry[1].resource.statusReason']]);
  });

  it('refuses entries that read or delete', async () => {
    const error = await refusal({ resourceType: 'Bundle', type: 'transaction', entry: [{ request: { method: 'DELETE', url: 'Task/ref-0001' } }] });
    expect([error.status, error.outcome.issue[0]?.expression]).toEqual([422, ['Bundle.entry[0].request.method']]);
  });
});
