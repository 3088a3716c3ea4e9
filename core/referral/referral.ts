import type { DeadlineKind, ReferralChannel, TreatmentUpdateData } from './referral-events.js';
import type { ReferralAction, ReferralState } from './referral-state-machine.js';

/** One step of a referral's history: who moved it, when, to which state. The timeline replays to the state. */
export interface TimelineEntry {
  sequence: number;
  state: ReferralState;
  action: ReferralAction;
  actorAgencyId: string;
  /** The person who acted, as their agency named them. */
  actorUserId: string;
  /** For changes an agency's system made through its connector: the credential it proved (`api-key:<id>`). */
  actorSystem: string | null;
  at: Date;
  /** Free text the actor attached (decline or withdrawal reason). Sensitive: never logged. */
  note: string | null;
}

/** An event about the referral that its recipient's connector refused: the hub shows it instead of hiding it. */
export interface DeliveryProblem {
  recipientAgencyId: string;
  /** The refusal's error code (e.g. INVALID_SIGNATURE, STALE_EVENT). */
  reason: string;
  at: Date;
}

/** One scale result of the school's screening or assessment. */
export interface ScaleResult {
  /** The instrument's short name, e.g. PHQ-9, SCL-90, MSSMHS. */
  scale: string;
  score: number;
}

/**
 * The school crisis-assessment group's assessment that led to the referral: category 2 or 3 and its decision that
 * the case exceeds what the school can handle. Interview and family contact are sensitive text (PIPL Art. 28).
 */
export interface ReferralAssessment {
  category: 2 | 3;
  scales: ScaleResult[];
  interviewSummary: string;
  familyContact: string;
  exceedsSchoolCapacity: true;
  assessedBy: string;
  assessedAt: Date;
}

export const NOTICE_CHANNELS = ['IN_PERSON', 'LETTER', 'PHONE', 'MESSAGE'] as const;
export type NoticeChannel = (typeof NOTICE_CHANNELS)[number];

/** The written mental-health status notice to the guardians: a record with its evidence, not a boolean. */
export interface GuardianNotice {
  givenAt: Date;
  channel: NoticeChannel;
  /** The school staff member who gave the notice. */
  givenBy: string;
  /** How the guardian acknowledged it (e.g. signed receipt); null while unacknowledged. */
  acknowledgement: string | null;
  acknowledgedAt: Date | null;
}

export interface Appointment {
  start: Date;
  end: Date | null;
  location: string | null;
  /** The counselling slot the school booked, when it came from one. */
  slotId: string | null;
}

export const TREATMENT_UPDATE_KINDS = ['VISIT', 'ADMISSION', 'DISCHARGE', 'UPDATE'] as const;
export type TreatmentUpdateKind = (typeof TREATMENT_UPDATE_KINDS)[number];

/** What the hospital reports about treatment. `clinical` is kept apart: the policy withholds it from schools. */
export interface TreatmentUpdate {
  sequence: number;
  kind: TreatmentUpdateKind;
  at: Date;
  reportedBy: string;
  riskLevel: TreatmentUpdateData['riskLevel'] | null;
  guidance: string | null;
  nextAppointmentAt: Date | null;
  returnRecommendation: TreatmentUpdateData['returnRecommendation'] | null;
  clinical: { diagnoses: Array<{ system: string; code: string; display?: string }>; medication: string | null } | null;
}

export const FOLLOW_UP_CHANNELS = ['IN_PERSON', 'HOME_VISIT', 'PHONE', 'MESSAGE', 'VIDEO'] as const;
export type FollowUpChannel = (typeof FOLLOW_UP_CHANNELS)[number];

/** A contact the school made with the child or family during treatment, leave or after return. */
export interface FollowUp {
  sequence: number;
  at: Date;
  channel: FollowUpChannel;
  by: string;
  /** What came of it. Sensitive: never logged. */
  outcome: string;
}

/** The leave of absence the school recorded while the child is treated. */
export interface LeaveOfAbsence {
  from: Date;
  expectedReturn: Date | null;
  recordedBy: string;
}

export const RETURN_DECISIONS = ['RETURN', 'RETURN_WITH_CONDITIONS', 'THIRD_PARTY_ASSESSMENT'] as const;
export type ReturnDecision = (typeof RETURN_DECISIONS)[number];

/** The return-to-school review: documents received, the crisis team's decision, the commitments made. */
export interface ReturnReview {
  recoveryCertificate: { title: string; issuedAt: Date; reference: string | null; receivedAt: Date } | null;
  recordsReceived: boolean;
  decision: ReturnDecision | null;
  conditions: string | null;
  guardianCommitment: string | null;
  studentCommitment: string | null;
  decidedBy: string | null;
  decidedAt: Date | null;
}

/** A deadline that passed without the step it waited for. */
export interface DeadlineBreach {
  kind: DeadlineKind;
  dueAt: Date;
  raisedAt: Date;
}

/** A green-channel referral of a subject (the child, known only by a pseudonym) from a school to a hospital or centre. */
export interface Referral {
  id: string;
  /** The short code on the referral letter the family carries; the hospital finds the referral by it. */
  code: string;
  channel: ReferralChannel;
  subjectId: string;
  schoolAgencyId: string;
  hospitalAgencyId: string;
  state: ReferralState;
  /** Why the school refers: sensitive personal information (PIPL Art. 28). Never logged. */
  reason: string;
  /** Null only on referrals sent before the assessment and the notice were recorded as evidence. */
  assessment: ReferralAssessment | null;
  guardianNotice: GuardianNotice | null;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
  /** Optimistic-concurrency counter: bumped by every change. */
  version: number;
  /** Follows the referral across gateway, bus and connectors in logs. */
  correlationId: string;
  declineReason: string | null;
  withdrawReason: string | null;
  appointment: Appointment | null;
  leave: LeaveOfAbsence | null;
  returnReview: ReturnReview | null;
  timeline: TimelineEntry[];
  treatmentUpdates: TreatmentUpdate[];
  followUps: FollowUp[];
  breaches: DeadlineBreach[];
  deliveryProblems: DeliveryProblem[];
}
