/** A declared emergency (break-glass) about one child, by one person, for a short window (PIPL Art. 13(4)). */
export interface Emergency {
  id: string;
  subjectId: string;
  schoolAgencyId: string;
  declaredByAgency: string;
  declaredByUser: string;
  declaredByRole: string;
  /** Why: written by the person who declared it; sealed at rest, shown to the reviewers. */
  justification: string;
  declaredAt: Date;
  expiresAt: Date;
  reviewedBy: string | null;
  reviewedAt: Date | null;
  reviewNote: string | null;
}

/** What a guardian is told about their child. */
export interface GuardianNotice {
  id: string;
  subjectId: string;
  kind: 'EMERGENCY_ACCESS';
  at: Date;
  /** Plain words, no clinical or police detail. */
  detail: string;
}

/** How long a declaration opens the record unless configured (EMERGENCY_WINDOW_MINUTES). */
export const DEFAULT_EMERGENCY_WINDOW_MS = 60 * 60_000;
