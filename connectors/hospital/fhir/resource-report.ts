import type { Appointment, CarePlan, CodeableConcept, Communication, DocumentReference, Encounter, Reference, Task } from '@medplum/fhirtypes';
import { RETURN_RECOMMENDATIONS, RISK_LEVELS, type TreatmentUpdateData } from '../../../core/referral/referral-events.js';
import type { HospitalReportDraft } from './fhir-to-report.js';
import { BSER_BUSINESS_STATUS_SYSTEM, CARELOOP_SYSTEMS, codingsIn, LOINC } from './fhir-vocabulary.js';
import { businessRule, notSupported } from './operation-outcome.js';
import { serviceRequestIdsOf } from './referral-reference.js';

/** The resources a hospital system reports with; each maps to exactly one hub report. */
export type ReportResource = Task | Encounter | Appointment | CarePlan | Communication | DocumentReference;
/** A report before the connector knows which referral it is about. */
export type ReportBody = Omit<HospitalReportDraft, 'referralId'>;

/**
 * The referral ids a resource names, and the path that names them. A Task may name its referral by its own id
 * (`PUT Task/<referral id>` on a Task the connector served); everything else names ServiceRequest/<referral id>.
 */
export function referralCandidates(resource: ReportResource): { ids: string[]; path: string } {
  switch (resource.resourceType) {
    case 'Task': {
      const ids = serviceRequestIdsOf([resource.focus, ...(resource.basedOn ?? [])]);
      return ids.length > 0 || !resource.id ? { ids, path: 'Task.focus' } : { ids: [resource.id], path: 'Task.id' };
    }
    // R4 types CarePlan.basedOn as Reference(CarePlan); supportingInfo (Reference(Any)) is the strictly valid place.
    case 'CarePlan':
      return { ids: serviceRequestIdsOf([...(resource.basedOn ?? []), ...(resource.supportingInfo ?? [])]), path: 'CarePlan.basedOn' };
    case 'DocumentReference':
      return { ids: serviceRequestIdsOf(resource.context?.related ?? []), path: 'DocumentReference.context.related' };
    default:
      return { ids: serviceRequestIdsOf(resource.basedOn ?? []), path: `${resource.resourceType}.basedOn` };
  }
}

const named = (...references: Array<Reference | undefined>): string => references.map((r) => r?.display?.trim()).find((d) => d) ?? 'unnamed';

// FHIR instants and dateTimes with a time always carry seconds and an offset; a bare date is no appointment time.
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;
function instant(value: string | undefined, path: string): string {
  if (value === undefined || !INSTANT.test(value)) throw businessRule('A date and time with offset is required here.', [path]);
  return value;
}

function fromTask(task: Task): ReportBody {
  const reportedBy = named(task.owner, task.requester);
  const business = codingsIn([task.businessStatus], BSER_BUSINESS_STATUS_SYSTEM)[0]?.code;
  // An EHR that sets only Task.status leaves the business status we sent (2.0, request created): still an acceptance.
  if (task.status === 'accepted' && (business === undefined || business === '2.0' || business === '3.0')) return { action: 'ACCEPT', reportedBy };
  if (task.status === 'rejected') {
    const reason = task.statusReason?.text ?? task.statusReason?.coding?.find((c) => c.display)?.display;
    if (!reason) throw businessRule('A declined referral needs its reason in Task.statusReason.text.', ['Task.statusReason']);
    return { action: 'DECLINE', reportedBy, reason };
  }
  if (business === '5.1.1' || (task.status === 'in-progress' && business === undefined && task.executionPeriod?.start !== undefined)) {
    const start = instant(task.executionPeriod?.start, 'Task.executionPeriod.start');
    const end = task.executionPeriod?.end;
    return { action: 'SCHEDULE', reportedBy, appointment: { start, ...(end ? { end: instant(end, 'Task.executionPeriod.end') } : {}) } };
  }
  if (business === '5.1.2') return { action: 'RECORD_NO_SHOW', reportedBy };
  if (business === '5.1.4' || task.status === 'completed') return { action: 'RECORD_ATTENDANCE', reportedBy };
  throw notSupported('This Task status and businessStatus report nothing the hub acts on.', ['Task.status', 'Task.businessStatus']);
}

const INPATIENT = new Set(['IMP', 'ACUTE', 'NONAC']);
const SEEN = new Set(['arrived', 'triaged', 'in-progress', 'finished']);

function fromEncounter(encounter: Encounter): ReportBody {
  const reportedBy = named(encounter.participant?.[0]?.individual);
  if (INPATIENT.has(encounter.class.code ?? '')) {
    if (encounter.status === 'finished' || encounter.hospitalization?.dischargeDisposition) return { action: 'DISCHARGE', reportedBy };
    if (encounter.status === 'in-progress' || encounter.status === 'arrived') return { action: 'ADMIT', reportedBy };
  } else if (SEEN.has(encounter.status)) {
    return { action: 'RECORD_ATTENDANCE', reportedBy };
  }
  throw notSupported('This Encounter class and status report nothing the hub acts on.', ['Encounter.class', 'Encounter.status']);
}

function fromAppointment(appointment: Appointment): ReportBody {
  const reportedBy = 'unnamed';
  if (appointment.status === 'noshow') return { action: 'RECORD_NO_SHOW', reportedBy };
  if (appointment.status === 'fulfilled' || appointment.status === 'arrived' || appointment.status === 'checked-in')
    return { action: 'RECORD_ATTENDANCE', reportedBy };
  if (appointment.status !== 'booked') throw notSupported('Only booked, noshow and fulfilled Appointments are reported to the hub.', ['Appointment.status']);
  const location = appointment.participant.find((p) => p.actor?.type === 'Location' || p.actor?.reference?.startsWith('Location/'))?.actor?.display;
  const start = instant(appointment.start, 'Appointment.start');
  const end = appointment.end ? instant(appointment.end, 'Appointment.end') : undefined;
  return { action: 'SCHEDULE', reportedBy, appointment: { start, ...(end ? { end } : {}), ...(location ? { location } : {}) } };
}

const RISK_CODES: Record<string, (typeof RISK_LEVELS)[number]> = {
  'risk-low': 'LOW',
  'risk-moderate': 'MODERATE',
  'risk-high': 'HIGH',
  'risk-imminent': 'IMMINENT',
};
const RETURN_CODES: Record<string, (typeof RETURN_RECOMMENDATIONS)[number]> = {
  'return-not-yet': 'NOT_YET',
  return: 'RETURN',
  'return-with-conditions': 'RETURN_WITH_CONDITIONS',
  'third-party-assessment': 'THIRD_PARTY_ASSESSMENT',
};

/** Risk and return recommendation, as category codings in Careloop's school-guidance system (no extensions needed). */
function schoolGuidance(category: CodeableConcept[] | undefined, path: string): Pick<TreatmentUpdateData, 'riskLevel' | 'returnRecommendation'> {
  const codes = codingsIn(category, CARELOOP_SYSTEMS.schoolGuidance).map((c) => c.code as string);
  const risks = codes.filter((c) => c in RISK_CODES);
  const returns = codes.filter((c) => c in RETURN_CODES);
  if (risks.length + returns.length < codes.length) throw businessRule('Unknown code in the school-guidance code system.', [path]);
  if (risks.length > 1 || returns.length > 1) throw businessRule('At most one risk level and one return recommendation.', [path]);
  return { ...(risks[0] ? { riskLevel: RISK_CODES[risks[0]] } : {}), ...(returns[0] ? { returnRecommendation: RETURN_CODES[returns[0]] } : {}) };
}

const joined = (texts: Array<string | undefined>): string | undefined => {
  const kept = texts.map((t) => t?.trim()).filter((t): t is string => !!t);
  return kept.length > 0 ? kept.join('\n\n') : undefined;
};

function diagnoses(concepts: Array<CodeableConcept | undefined>): NonNullable<TreatmentUpdateData['clinical']>['diagnoses'] {
  const coded = concepts
    .flatMap((c) => c?.coding ?? [])
    .filter((c) => c.system && c.code)
    .map((c) => ({ system: c.system as string, code: c.code as string, ...(c.display ? { display: c.display } : {}) }));
  return coded.length > 0 ? coded : undefined;
}

/** Guidance for the school in the open; diagnoses and medication only under `clinical`, which the policy may withhold. */
function treatmentUpdate(update: TreatmentUpdateData, reportedBy: string, path: string): ReportBody {
  const clinical = update.clinical && Object.values(update.clinical).some((v) => v !== undefined) ? update.clinical : undefined;
  const { clinical: _clinical, ...open } = update;
  const body = { ...open, ...(clinical ? { clinical } : {}) };
  if (Object.values(body).every((v) => v === undefined))
    throw businessRule('The resource carries no guidance, risk, return recommendation or clinical detail.', [path]);
  return { action: 'RECORD_TREATMENT_UPDATE', reportedBy, update: body };
}

function fromCarePlan(plan: CarePlan): ReportBody {
  if (plan.status === 'entered-in-error') throw notSupported('An entered-in-error CarePlan reports nothing.', ['CarePlan.status']);
  const details = (plan.activity ?? []).map((a) => a.detail);
  const medication = joined(details.map((d) => d?.productCodeableConcept?.text ?? d?.productCodeableConcept?.coding?.find((c) => c.display)?.display));
  const found = diagnoses([
    ...(plan.addresses ?? []).map((a): CodeableConcept | undefined =>
      a.identifier?.system && a.identifier.value ? { coding: [{ system: a.identifier.system, code: a.identifier.value, display: a.display }] } : undefined,
    ),
    ...details.flatMap((d) => d?.reasonCode ?? []),
  ]);
  const update: TreatmentUpdateData = {
    guidance: joined([plan.description, ...(plan.note ?? []).map((n) => n.text)]),
    ...schoolGuidance(plan.category, 'CarePlan.category'),
    clinical: { diagnoses: found, medication },
  };
  return treatmentUpdate(update, named(plan.author), 'CarePlan');
}

function fromCommunication(communication: Communication): ReportBody {
  if (communication.status === 'entered-in-error' || communication.status === 'not-done')
    throw notSupported('Only Communications that took place are reported.', ['Communication.status']);
  // Attachments stay at the hospital: only plain text payloads travel.
  const update: TreatmentUpdateData = {
    guidance: joined((communication.payload ?? []).map((p) => p.contentString)),
    ...schoolGuidance(communication.category, 'Communication.category'),
    clinical: { diagnoses: diagnoses(communication.reasonCode ?? []) },
  };
  return treatmentUpdate(update, named(communication.sender), 'Communication');
}

const RECOVERY_TEXT = /recovery certificate|恢复证明/i;

function isRecoveryCertificate(type: CodeableConcept | undefined): boolean {
  const codings = type?.coding ?? [];
  return (
    codings.some((c) => (c.system === CARELOOP_SYSTEMS.documentKind && c.code === 'recovery-certificate') || (c.system === LOINC && c.code === '18842-5')) ||
    [type?.text, ...codings.map((c) => c.display)].some((t) => t !== undefined && RECOVERY_TEXT.test(t))
  );
}

function fromDocumentReference(document: DocumentReference): ReportBody {
  if (document.status !== 'current') throw notSupported('Only current DocumentReferences are reported.', ['DocumentReference.status']);
  if (!isRecoveryCertificate(document.type)) throw notSupported('Only recovery certificates and discharge summaries are reported.', ['DocumentReference.type']);
  const attachment = document.content[0]?.attachment;
  const title =
    document.description ?? attachment?.title ?? document.type?.text ?? document.type?.coding?.find((c) => c.display)?.display ?? 'Recovery certificate';
  // The document itself stays at the hospital: only its address travels, never inline data.
  const url = attachment?.url && !attachment.url.startsWith('data:') ? attachment.url : undefined;
  return {
    action: 'RECEIVE_RECOVERY_CERTIFICATE',
    reportedBy: named(document.author?.[0]),
    document: { title, issuedAt: instant(document.date, 'DocumentReference.date'), ...(url ? { reference: url } : {}) },
  };
}

/** The hub report a resource makes, before the referral is resolved; throws FhirInputError when it reports nothing. */
export function reportBodyOf(resource: ReportResource): ReportBody {
  switch (resource.resourceType) {
    case 'Task':
      return fromTask(resource);
    case 'Encounter':
      return fromEncounter(resource);
    case 'Appointment':
      return fromAppointment(resource);
    case 'CarePlan':
      return fromCarePlan(resource);
    case 'Communication':
      return fromCommunication(resource);
    case 'DocumentReference':
      return fromDocumentReference(resource);
  }
}
