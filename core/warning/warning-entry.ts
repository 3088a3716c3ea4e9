import type { AssessmentState } from './assessment-state-machine.js';
import type { WarningAction, WarningState } from './warning-state-machine.js';

/** The two crisis categories the documents name; two named categories, not a scale. */
export type CrisisCategory = 2 | 3;

export interface ScaleResult {
  scale: string;
  score: number;
}

/** The crisis assessment that may put a student on the warning list (R16-R17). */
export interface WarningAssessment {
  id: string;
  subjectId: string;
  schoolAgencyId: string;
  state: AssessmentState;
  proposedBy: string;
  proposedAt: Date;
  /** Why the mentor or observer is worried; sealed at rest. */
  proposalReason: string;
  interview: { by: string; at: Date; summary: string; familyContact: string | null; scales: ScaleResult[] } | null;
  decision: { by: string; at: Date; outcome: 'CONFIRMED' | 'DISMISSED'; category: CrisisCategory | null; note: string } | null;
  /** The entry a confirmation raised (or re-raised). */
  warningId: string | null;
  correlationId: string;
}

/** One step of an entry's history: who moved it, when, and why. */
export interface WarningStep {
  sequence: number;
  action: WarningAction;
  from: WarningState | null;
  to: WarningState;
  at: Date;
  actorUserId: string;
  reason: string | null;
}

/** The written mental-health status notice to the guardians (R28). */
export interface WarningGuardianNotice {
  givenAt: Date;
  channel: 'IN_PERSON' | 'LETTER' | 'PHONE' | 'VIDEO';
  givenBy: string;
  acknowledgedAt: Date | null;
}

/** A student's place on the school's key-student warning list (R19-R20). */
export interface WarningEntry {
  id: string;
  subjectId: string;
  schoolAgencyId: string;
  state: WarningState;
  category: CrisisCategory;
  /** The named person who owns the case (Cixi: one named owner per case). */
  ownerUserId: string;
  /** The individual support plan ("one student, one plan"); sealed at rest. */
  plan: string | null;
  /** Special-attention kinds (left-behind, migrant, the city's eight or six kinds...). */
  tags: string[];
  assessmentId: string;
  guardianNotice: WarningGuardianNotice | null;
  raisedAt: Date;
  updatedAt: Date;
  liftedAt: Date | null;
  history: WarningStep[];
  correlationId: string;
}
