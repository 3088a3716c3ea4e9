import type { PageCursor } from '../paging/page-cursor.js';
import type { Transaction } from '../ports/unit-of-work.js';
import type { CounsellingSlot } from './counselling-slot.js';

export interface CounsellingSlotFilter {
  providerAgencyId: string;
  /** Slots starting at or after this instant. */
  from: Date;
  freeOnly: boolean;
}

/** The referral capability's counselling slots. Writes take the shared transaction, so a booking and the
 *  referral's SCHEDULE step commit together. Pages are ordered by (startsAt, id). */
export interface CounsellingSlotStore {
  insert(tx: Transaction, slots: CounsellingSlot[]): Promise<void>;
  find(id: string): Promise<CounsellingSlot | null>;
  list(filter: CounsellingSlotFilter, page: { first: number; after?: PageCursor }): Promise<{ items: CounsellingSlot[]; hasMore: boolean }>;
  /**
   * Books slot `slotId` for the referral if it is free, offered by `providerAgencyId` and starts after `notBefore`;
   * null otherwise. Atomic: of two schools racing for one slot, one gets it.
   */
  book(tx: Transaction, slotId: string, referralId: string, providerAgencyId: string, notBefore: Date): Promise<CounsellingSlot | null>;
  /** Frees the slots booked for the referral that have not started by `now` (rescheduled, transferred, withdrawn). */
  releaseUpcoming(tx: Transaction, referralId: string, now: Date): Promise<number>;
  /** Removes a free slot of the provider; false when it is booked, someone else's or gone. */
  removeFree(tx: Transaction, slotId: string, providerAgencyId: string): Promise<boolean>;
}
