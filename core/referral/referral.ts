import type { ReferralState } from './referral-state-machine.js';

/** One step of a referral's history: who moved it, when, to which state. */
export interface TimelineEntry {
  sequence: number;
  state: ReferralState;
  action: string;
  actorAgencyId: string;
  actorUserId: string;
  at: Date;
  /** Free text the actor attached (decline reason). Sensitive: never logged. */
  note: string | null;
}

/** A green-channel referral of a subject (the child, known only by a pseudonym) from a school to a hospital. */
export interface Referral {
  id: string;
  subjectId: string;
  schoolAgencyId: string;
  hospitalAgencyId: string;
  state: ReferralState;
  /** Why the school refers: sensitive personal information (PIPL Art. 28). Never logged. */
  reason: string;
  guardiansNotified: boolean;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
  /** Optimistic-concurrency counter: bumped by every transition. */
  version: number;
  /** Follows the referral across gateway, bus and connectors in logs. */
  correlationId: string;
  declineReason: string | null;
  timeline: TimelineEntry[];
}
