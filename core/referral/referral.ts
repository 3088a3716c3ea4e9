import type { ReferralState } from './referral-state-machine.js';

/** One step of a referral's history: who moved it, when, to which state. */
export interface TimelineEntry {
  sequence: number;
  state: ReferralState;
  action: string;
  actorAgencyId: string;
  /** The person who acted, as their agency named them. */
  actorUserId: string;
  /** For changes an agency's system made through its connector: the credential it proved (`api-key:<id>`). */
  actorSystem: string | null;
  at: Date;
  /** Free text the actor attached (decline reason). Sensitive: never logged. */
  note: string | null;
}

/** An event about the referral that its recipient's connector refused: the hub shows it instead of hiding it. */
export interface DeliveryProblem {
  recipientAgencyId: string;
  /** The refusal's error code (e.g. INVALID_SIGNATURE, STALE_EVENT). */
  reason: string;
  at: Date;
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
  deliveryProblems: DeliveryProblem[];
}
