import type { DeliveryProblem, Referral, TimelineEntry } from '../referral/referral.js';
import type { ReferralState } from '../referral/referral-state-machine.js';
import type { AgencyDirectory, AgencyRecord } from './keys.js';
import type { OutgoingMessage } from './event-bus.js';

/** A child as the hub knows them: a pseudonym, the school they are enrolled in, nothing that names them. */
export interface SubjectRecord {
  id: string;
  schoolAgencyId: string;
  grade: number;
  /** The school's own student reference, meaningful only inside that school. */
  localRef: string;
}

/** One line of the disclosure audit: every decision to show or refuse data (PIPL Arts. 44-45, 51). */
export interface AuditEntry {
  at: Date;
  principalAgencyId: string | null;
  principalUserId: string | null;
  action: string;
  resourceType: string;
  resourceId: string | null;
  allowed: boolean;
  fields: string[];
  reasons: string[];
  correlationId: string | null;
}

export type NewReferral = Omit<Referral, 'timeline' | 'updatedAt' | 'version' | 'declineReason' | 'deliveryProblems'>;

/** Writes that must commit together: a state change, its timeline entry, its outgoing events, its dedup mark. */
export interface LedgerTransaction {
  findReferralForUpdate(id: string): Promise<Referral | null>;
  insertReferral(referral: NewReferral): Promise<void>;
  updateReferralState(id: string, change: { state: ReferralState; declineReason: string | null; updatedAt: Date; expectedVersion: number }): Promise<void>;
  appendTimeline(referralId: string, entry: Omit<TimelineEntry, 'sequence'>): Promise<void>;
  /** Marks an incoming event as applied by `consumer`; false if it already was (at-least-once delivery). */
  claimEvent(consumer: string, eventId: string): Promise<boolean>;
  /** Queues a message for the outbox relay; it is published only if this transaction commits. */
  enqueueOutgoing(topic: string, message: OutgoingMessage): Promise<void>;
  recordAudit(entry: AuditEntry): Promise<void>;
}

/** The hub's shared-case ledger. */
export interface LedgerStore {
  readonly agencies: AgencyDirectory;
  withTransaction<T>(work: (tx: LedgerTransaction) => Promise<T>): Promise<T>;
  findSubject(id: string): Promise<SubjectRecord | null>;
  listSubjects(schoolAgencyId: string): Promise<SubjectRecord[]>;
  findReferral(id: string): Promise<Referral | null>;
  /** Referrals where the agency is the referring school or the receiving hospital. */
  listReferralsInvolving(agencyId: string): Promise<Referral[]>;
  recordAudit(entry: AuditEntry): Promise<void>;
  upsertAgency(agency: AgencyRecord): Promise<void>;
  upsertSubject(subject: SubjectRecord): Promise<void>;
  /**
   * Records that a recipient refused event `eventId` about a referral; false when it was already recorded or no
   * referral has that id (nothing to show it on).
   */
  recordDeliveryProblem(problem: DeliveryProblem & { eventId: string; referralId: string }): Promise<boolean>;
  /** Forgets which bus events were applied before `at` (retention: older events are refused as stale anyway). */
  purgeProcessedEventsBefore(at: Date): Promise<number>;
}

/** Where the outbox relay takes queued messages from. */
export interface OutboxStore {
  /** Hands up to `limit` queued messages, oldest first, to `publish` and forgets them once it resolves. */
  takeBatch(limit: number, publish: (batch: Array<{ topic: string; message: OutgoingMessage }>) => Promise<void>): Promise<number>;
}
