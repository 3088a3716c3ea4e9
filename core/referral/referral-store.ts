import type { Transaction } from '../ports/unit-of-work.js';
import type { ReferralChannel } from './referral-events.js';
import type { DeadlineBreach, DeliveryProblem, FollowUp, Referral, TimelineEntry, TreatmentUpdate } from './referral.js';
import type { ReferralState } from './referral-state-machine.js';

/** What a new referral is made of; everything else starts empty. */
export type NewReferral = Pick<
  Referral,
  | 'id'
  | 'code'
  | 'channel'
  | 'subjectId'
  | 'schoolAgencyId'
  | 'hospitalAgencyId'
  | 'state'
  | 'reason'
  | 'assessment'
  | 'guardianNotice'
  | 'createdBy'
  | 'createdAt'
  | 'correlationId'
>;

/** The parts of a referral a transition may change; each omitted part stays as it is. */
export type ReferralChange = Partial<
  Pick<Referral, 'state' | 'hospitalAgencyId' | 'declineReason' | 'withdrawReason' | 'appointment' | 'leave' | 'returnReview'>
> & { updatedAt: Date; expectedVersion: number };

export interface ReferralFilter {
  /** Referrals where this agency is the referring school or the receiving hospital. */
  involving?: string;
  states?: ReferralState[];
  channel?: ReferralChannel;
  schoolAgencyId?: string;
  /** Referrals of any of these schools (a bureau's district). */
  schoolAgencyIds?: string[];
  /** Referrals about any of these children (a guardian's). */
  subjectIds?: string[];
  hospitalAgencyId?: string;
  /** Only referrals with at least one deadline breach. */
  overdue?: boolean;
}

/** A page position: the (createdAt, id) of the last item seen. */
export interface ReferralCursor {
  createdAt: Date;
  id: string;
}

export interface ReferralPage {
  items: Referral[];
  hasMore: boolean;
}

/** District counters as the bureaus publish them, per school. */
export interface ReferralCounts {
  schoolAgencyId: string;
  referred: number;
  referredOutpatient: number;
  referredCounselling: number;
  attended: number;
  admitted: number;
  returnedToSchool: number;
  deadlineBreaches: number;
}

/** The referral capability's store. Writes take the shared transaction; reads run outside any. */
export interface ReferralStore {
  /** By id or by the letter's code; the same statements whether or not one is found (a NOT_FOUND's timing). */
  find(id: string): Promise<Referral | null>;
  findByCode(code: string): Promise<Referral | null>;
  findForUpdate(tx: Transaction, id: string): Promise<Referral | null>;
  /** The subject's referral that is not closed, declined or withdrawn, if any. */
  findOpenForSubject(tx: Transaction, subjectId: string): Promise<Referral | null>;
  list(filter: ReferralFilter, page: { first: number; after?: ReferralCursor }): Promise<ReferralPage>;
  /** Open referrals in `states`, oldest first: the deadline watch's work list. */
  listOpenIn(states: ReferralState[], limit: number, after?: ReferralCursor): Promise<Referral[]>;
  insert(tx: Transaction, referral: NewReferral): Promise<void>;
  update(tx: Transaction, id: string, change: ReferralChange): Promise<void>;
  appendTimeline(tx: Transaction, referralId: string, entry: Omit<TimelineEntry, 'sequence'>): Promise<void>;
  appendTreatmentUpdate(tx: Transaction, referralId: string, update: Omit<TreatmentUpdate, 'sequence'>): Promise<void>;
  appendFollowUp(tx: Transaction, referralId: string, followUp: Omit<FollowUp, 'sequence'>): Promise<void>;
  /** Records a breach once per (referral, kind, due date); false when it was already recorded. */
  recordBreach(tx: Transaction, referralId: string, breach: DeadlineBreach): Promise<boolean>;
  /**
   * Records that a recipient refused event `eventId` about a referral; false when it was already recorded or no
   * referral has that id (nothing to show it on).
   */
  recordDeliveryProblem(problem: DeliveryProblem & { eventId: string; referralId: string }): Promise<boolean>;
  /** Counters for the schools of `schoolAgencyIds`, for referrals sent in [from, to). */
  countBySchool(schoolAgencyIds: string[], from: Date, to: Date): Promise<ReferralCounts[]>;
}
