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

/** A Task waiting to be pushed to the hospital's FHIR endpoint, at the version that was read. */
export interface FhirPushItem {
  record: FhirTaskRecord;
  /** Counts the changes of the Task; a push clears the mark only if no newer change arrived meanwhile. */
  version: number;
  /** Failed attempts since the Task was last pushed. */
  attempts: number;
}

/**
 * The connector's FHIR view of its referrals, so the hospital's EHR can read and search Tasks at any time rather
 * than only when an event arrives. Written from hub events (referral sent, status changed), read by the routes.
 */
export interface FhirTaskStore {
  /**
   * Saves the Task; a `null` ServiceRequest keeps the one already stored (a status change does not resend it).
   * With `push`, the same write marks the Task for pushing to the hospital, due at `dueAt` unless it is already
   * waiting (then its back-off holds and the push sends this newer state).
   */
  upsert(referralId: string, ownerAgencyId: string, task: Task, serviceRequest: ServiceRequest | null, code: string, push?: { dueAt: Date }): Promise<void>;
  get(referralId: string): Promise<FhirTaskRecord | null>;
  /** Most recently changed first. */
  search(query: FhirTaskSearch): Promise<Task[]>;
  knows(referralId: string): Promise<boolean>;
  /** The Tasks marked for push whose next attempt is due at `now`, earliest first. */
  duePushes(now: Date, limit: number): Promise<FhirPushItem[]>;
  /** The hospital took `version`: clears the mark unless the Task changed since (then it stays due). */
  pushSucceeded(referralId: string, version: number, status: number): Promise<void>;
  /** The push failed (`status` null: no answer); the Task stays marked, next due at `nextPushAt`. */
  pushFailed(referralId: string, attempts: number, nextPushAt: Date, status: number | null): Promise<void>;
  /** How many Tasks wait to be pushed. */
  pendingPushes(): Promise<number>;
}
