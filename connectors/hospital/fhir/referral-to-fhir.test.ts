import { describe, expect, it } from 'vitest';
import type { ReferralStatusChangedData } from '../../../core/referral/referral-events.js';
import { REFERRAL_STATES, type ReferralState } from '../../../core/referral/referral-state-machine.js';
import { validateFhirR4 } from './fhir-validator.js';
import { BSER_BUSINESS_STATUS_SYSTEM, CARELOOP_SYSTEMS } from './fhir-vocabulary.js';
import { applyStatusChange, referralToFhir } from './referral-to-fhir.js';
import { CANARY_REASON, HOSPITAL_ID, SCHOOL_ID, sentReferral } from './fhir-test-data.js';

const change = (state: ReferralState, extra: Partial<ReferralStatusChangedData> = {}): ReferralStatusChangedData => ({
  referralId: 'ref-0001',
  state,
  previousState: 'SENT',
  action: 'ACCEPT',
  changedAt: '2025-03-04T10:00:00+08:00',
  changedByAgencyId: HOSPITAL_ID,
  ...extra,
});

describe('a sent referral as FHIR', () => {
  it('is a valid ServiceRequest and Task when everything is disclosed', () => {
    const { serviceRequest, task } = referralToFhir(sentReferral(), HOSPITAL_ID);
    expect(validateFhirR4(serviceRequest)).toMatchObject({ ok: true });
    expect(validateFhirR4(task)).toMatchObject({ ok: true });
  });

  it('is valid when the policy disclosed nothing optional', () => {
    const minimal = sentReferral({
      subjectId: undefined,
      reason: undefined,
      assessmentCategory: undefined,
      assessmentScales: undefined,
      guardianNoticeGivenAt: undefined,
    });
    const { serviceRequest, task } = referralToFhir(minimal, HOSPITAL_ID);
    expect(validateFhirR4(serviceRequest)).toMatchObject({ ok: true });
    expect(validateFhirR4(task)).toMatchObject({ ok: true });
    expect(serviceRequest.subject).toEqual({ display: 'withheld' });
    expect(serviceRequest).not.toHaveProperty('reasonCode');
    expect(serviceRequest).not.toHaveProperty('note');
  });

  it('names the referral by its id and code, and the school and hospital by agency id', () => {
    const { serviceRequest, task } = referralToFhir(sentReferral(), HOSPITAL_ID);
    expect(serviceRequest).toMatchObject({
      id: 'ref-0001',
      identifier: [{ system: CARELOOP_SYSTEMS.referralCode, value: 'GC-4821' }],
      status: 'active',
      intent: 'order',
      subject: { identifier: { system: CARELOOP_SYSTEMS.subjectPseudonym, value: 'subj-88' } },
      requester: { identifier: { system: CARELOOP_SYSTEMS.agency, value: SCHOOL_ID } },
      performer: [{ identifier: { system: CARELOOP_SYSTEMS.agency, value: HOSPITAL_ID } }],
      reasonCode: [{ text: CANARY_REASON }],
      authoredOn: '2025-03-03T09:15:00+08:00',
    });
    expect(serviceRequest.code?.coding?.[0]).toMatchObject({ system: 'http://snomed.info/sct', code: '306206005' });
    expect(serviceRequest.note?.map((n) => n.text).join('\n')).toContain('PHQ-A = 19');
    expect(task).toMatchObject({
      id: 'ref-0001',
      status: 'requested',
      intent: 'order',
      businessStatus: { coding: [{ system: BSER_BUSINESS_STATUS_SYSTEM, code: '2.0' }] },
      focus: { reference: 'ServiceRequest/ref-0001' },
      basedOn: [{ reference: 'ServiceRequest/ref-0001' }],
      owner: { identifier: { value: HOSPITAL_ID } },
      requester: { identifier: { value: SCHOOL_ID } },
      lastModified: '2025-03-03T09:15:00+08:00',
    });
  });
});

describe('applyStatusChange', () => {
  const { task } = referralToFhir(sentReferral(), HOSPITAL_ID);
  const expected: Record<ReferralState, [string, string]> = {
    SENT: ['requested', '2.0'],
    ACCEPTED: ['accepted', '3.0'],
    DECLINED: ['rejected', '4.0'],
    SCHEDULED: ['in-progress', '5.1.1'],
    NO_SHOW: ['in-progress', '5.1.2'],
    ATTENDED: ['in-progress', '5.1.4'],
    IN_TREATMENT: ['in-progress', '5.1.4'],
    ADMITTED: ['in-progress', '5.1.4'],
    DISCHARGED: ['in-progress', '5.1.4'],
    RETURN_REVIEW: ['in-progress', '5.1.4'],
    FOLLOW_UP: ['in-progress', '5.1.4'],
    CLOSED: ['completed', '7.0'],
    WITHDRAWN: ['cancelled', '6.0'],
  };

  it.each(REFERRAL_STATES)('maps the hub state %s to a valid Task status and BSeR business status', (state) => {
    const next = applyStatusChange(task, change(state));
    expect([next.status, next.businessStatus?.coding?.[0]?.code]).toEqual(expected[state]);
    expect(next.lastModified).toBe('2025-03-04T10:00:00+08:00');
    expect(validateFhirR4(next)).toMatchObject({ ok: true });
  });

  it('carries the appointment of a scheduling change as the execution period', () => {
    const next = applyStatusChange(task, change('SCHEDULED', { appointment: { start: '2025-03-06T14:00:00+08:00', end: '2025-03-06T15:00:00+08:00' } }));
    expect(next.executionPeriod).toEqual({ start: '2025-03-06T14:00:00+08:00', end: '2025-03-06T15:00:00+08:00' });
  });

  it('cancels the Task when the referral moved to another hospital', () => {
    const next = applyStatusChange(task, change('SENT', { action: 'TRANSFER', hospitalAgencyId: 'hospital-2' }));
    expect([next.status, next.businessStatus?.coding?.[0]?.code]).toEqual(['cancelled', '6.0']);
    expect(validateFhirR4(next)).toMatchObject({ ok: true });
  });

  it('does not change the Task it was given', () => {
    applyStatusChange(task, change('CLOSED'));
    expect(task.status).toBe('requested');
  });
});
