import type { Annotation, Patient, Reference, ServiceRequest, Task } from '@medplum/fhirtypes';
import type { ReferralSentData, ReferralStatusChangedData } from '../../../core/referral/referral-events.js';
import type { ReferralState } from '../../../core/referral/referral-state-machine.js';
import { agencyReference, bserBusinessStatus, CARELOOP_SYSTEMS, SNOMED, TASK_CODE_SYSTEM, type BserBusinessStatus } from './fhir-vocabulary.js';

/** The child as the hospital may see it: a pseudonym when the policy discloses one, never a name. */
function subjectReference(data: ReferralSentData): Reference<Patient> {
  return data.subjectId ? { type: 'Patient', identifier: { system: CARELOOP_SYSTEMS.subjectPseudonym, value: data.subjectId } } : { display: 'withheld' };
}

function assessmentNotes(data: ReferralSentData): Annotation[] {
  const notes: Annotation[] = [];
  if (data.assessmentCategory !== undefined) notes.push({ text: `School assessment category: ${data.assessmentCategory}` });
  if (data.assessmentScales?.length) notes.push({ text: `Screening scales: ${data.assessmentScales.map((s) => `${s.scale} = ${s.score}`).join('; ')}` });
  if (data.guardianNoticeGivenAt) notes.push({ text: `Guardians notified at ${data.guardianNoticeGivenAt}` });
  return notes;
}

/**
 * The referral as the hospital's EHR expects an incoming referral: what is asked (ServiceRequest) and the
 * workflow around it (Task, BSeR style). Optional fields appear only when the hub disclosed them to this agency.
 */
export function serviceRequestFromReferral(data: ReferralSentData, agencyId: string): ServiceRequest {
  const notes = assessmentNotes(data);
  return {
    resourceType: 'ServiceRequest',
    id: data.referralId,
    identifier: [{ system: CARELOOP_SYSTEMS.referralCode, value: data.code }],
    status: 'active',
    intent: 'order',
    priority: 'urgent',
    category: [{ coding: [{ system: CARELOOP_SYSTEMS.referralChannel, code: data.channel }], text: 'Mental health' }],
    code: { coding: [{ system: SNOMED, code: '306206005', display: 'Referral to service' }], text: 'Mental-health crisis referral from a school' },
    subject: subjectReference(data),
    authoredOn: data.sentAt,
    requester: agencyReference(data.schoolAgencyId),
    performer: [agencyReference(agencyId)],
    ...(data.reason ? { reasonCode: [{ text: data.reason }] } : {}),
    ...(notes.length > 0 ? { note: notes } : {}),
  };
}

/** The Task starts as BSeR "request created"; the hub's state changes move it (applyStatusChange). */
export function taskFromReferral(data: ReferralSentData, agencyId: string): Task {
  const serviceRequest = { reference: `ServiceRequest/${data.referralId}` };
  return {
    resourceType: 'Task',
    id: data.referralId,
    identifier: [{ system: CARELOOP_SYSTEMS.referralCode, value: data.code }],
    basedOn: [serviceRequest],
    status: 'requested',
    businessStatus: bserBusinessStatus('2.0'),
    intent: 'order',
    priority: 'urgent',
    code: { coding: [{ system: TASK_CODE_SYSTEM, code: 'fulfill', display: 'Fulfill the focal request' }] },
    focus: serviceRequest,
    for: subjectReference(data),
    authoredOn: data.sentAt,
    lastModified: data.sentAt,
    requester: agencyReference(data.schoolAgencyId),
    // The connector's own agency: `GET Task?owner=` matches on it.
    owner: agencyReference(agencyId),
  };
}

export function referralToFhir(data: ReferralSentData, agencyId: string): { serviceRequest: ServiceRequest; task: Task } {
  return { serviceRequest: serviceRequestFromReferral(data, agencyId), task: taskFromReferral(data, agencyId) };
}

const TASK_FOR_STATE: Record<ReferralState, [Task['status'], BserBusinessStatus]> = {
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

/**
 * The Task after a hub state change. A change naming another hospital means the referral moved away from this
 * agency: for this hospital the request is cancelled, whatever the state elsewhere.
 */
export function applyStatusChange(task: Task, change: ReferralStatusChangedData): Task {
  const owner = task.owner?.identifier?.value;
  const transferredAway = change.hospitalAgencyId !== undefined && owner !== undefined && change.hospitalAgencyId !== owner;
  const [status, businessStatus] = transferredAway ? (['cancelled', '6.0'] as const) : TASK_FOR_STATE[change.state];
  const next: Task = { ...task, status, businessStatus: bserBusinessStatus(businessStatus), lastModified: change.changedAt };
  if (change.appointment && !transferredAway)
    next.executionPeriod = { start: change.appointment.start, ...(change.appointment.end ? { end: change.appointment.end } : {}) };
  if (transferredAway) next.statusReason = { text: 'Referral transferred to another hospital' };
  return next;
}
