import type { CodeableConcept, Coding, Organization, Reference } from '@medplum/fhirtypes';

/**
 * The code systems and identifier systems the FHIR layer speaks. Careloop's own systems are URNs so that nobody
 * mistakes them for a resolvable terminology server; the hospital's system sends and reads the same strings.
 */
export const CARELOOP_SYSTEMS = {
  referralCode: 'urn:careloop:referral-code',
  subjectPseudonym: 'urn:careloop:subject-pseudonym',
  agency: 'urn:careloop:agency',
  referralChannel: 'urn:careloop:code-system:referral-channel',
  /** Risk level and return recommendation for the school, carried as CarePlan/Communication category codings. */
  schoolGuidance: 'urn:careloop:code-system:school-guidance',
  documentKind: 'urn:careloop:code-system:document-kind',
} as const;

export const SNOMED = 'http://snomed.info/sct';
export const LOINC = 'http://loinc.org';
export const TASK_CODE_SYSTEM = 'http://hl7.org/fhir/CodeSystem/task-code';

/** BSeR (Bidirectional Services eReferral) Task business statuses: the closed-loop referral vocabulary of HL7 US. */
export const BSER_BUSINESS_STATUS_SYSTEM = 'http://hl7.org/fhir/us/bser/CodeSystem/TaskBusinessStatusCS';
export const BSER_BUSINESS_STATUS = {
  '2.0': 'Service Request Created',
  '3.0': 'Service Request Accepted',
  '4.0': 'Service Request Declined',
  '5.1.1': 'Service Request Event Scheduled',
  '5.1.2': 'Scheduled Service Request Event Unattended',
  '5.1.3': 'Scheduled Service Request Event Cancelled',
  '5.1.4': 'Service Request Event Completed',
  '5.2': 'Service Request Cancellation Requested',
  '6.0': 'Service Request Fulfillment Cancelled',
  '7.0': 'Service Request Fulfillment Completed',
} as const;
export type BserBusinessStatus = keyof typeof BSER_BUSINESS_STATUS;

export function bserBusinessStatus(code: BserBusinessStatus): CodeableConcept {
  return { coding: [{ system: BSER_BUSINESS_STATUS_SYSTEM, code, display: BSER_BUSINESS_STATUS[code] }], text: BSER_BUSINESS_STATUS[code] };
}

/** An agency named by its Careloop id: a logical reference, since the connector serves no Organization resource. */
export function agencyReference(agencyId: string): Reference<Organization> {
  return { type: 'Organization', identifier: { system: CARELOOP_SYSTEMS.agency, value: agencyId } };
}

/** The codings of one or more concepts that belong to `system`. */
export function codingsIn(concepts: ReadonlyArray<CodeableConcept | undefined> | undefined, system: string): Coding[] {
  return (concepts ?? []).flatMap((c) => c?.coding ?? []).filter((c) => c.system === system && typeof c.code === 'string');
}
