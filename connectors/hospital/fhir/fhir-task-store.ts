import type { ServiceRequest, Task } from '@medplum/fhirtypes';

/** What the connector keeps of one referral as FHIR: the Task it serves and the ServiceRequest behind it. */
export interface FhirTaskRecord {
  referralId: string;
  code: string;
  ownerAgencyId: string;
  task: Task;
  serviceRequest: ServiceRequest | null;
}

export interface FhirTaskSearch {
  owner?: string;
  status?: string;
  /** The referral code (Task.identifier in urn:careloop:referral-code). */
  code?: string;
  limit: number;
}

/**
 * The connector's FHIR view of its referrals, so the hospital's EHR can read and search Tasks at any time rather
 * than only when an event arrives. Written from hub events (referral sent, status changed), read by the routes.
 */
export interface FhirTaskStore {
  /** Saves the Task; a `null` ServiceRequest keeps the one already stored (a status change does not resend it). */
  upsert(referralId: string, ownerAgencyId: string, task: Task, serviceRequest: ServiceRequest | null, code: string): Promise<void>;
  get(referralId: string): Promise<FhirTaskRecord | null>;
  /** Most recently changed first. */
  search(query: FhirTaskSearch): Promise<Task[]>;
  knows(referralId: string): Promise<boolean>;
}
