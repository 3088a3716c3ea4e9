/**
 * A guardian's consent to share a child's data (PIPL Arts. 14, 29, 31: separate, informed, by the guardian for a
 * child under 14), and the people around the child the policy reads (issue 9).
 */
export const CONSENT_PURPOSES = ['referral', 'treatment-update-sharing', 'signal-sharing', 'joint-meeting-review'] as const;
export type ConsentPurpose = (typeof CONSENT_PURPOSES)[number];

/** Categories of data, from least to most sensitive; the police note is a category of its own. */
export const CONSENT_CATEGORIES = ['administrative-status', 'school-guidance', 'assessment-results', 'clinical-detail', 'police-note'] as const;
export type ConsentCategory = (typeof CONSENT_CATEGORIES)[number];

/** Kinds of recipient a consent names (agency types). */
export const CONSENT_RECIPIENTS = ['school', 'hospital', 'counselling-centre', 'public-safety', 'education-bureau'] as const;
export type ConsentRecipient = (typeof CONSENT_RECIPIENTS)[number];

export interface Consent {
  id: string;
  subjectId: string;
  guardianUserId: string;
  schoolAgencyId: string;
  purposes: ConsentPurpose[];
  categories: ConsentCategory[];
  recipients: ConsentRecipient[];
  validFrom: Date;
  validUntil: Date | null;
  /** What the consent rests on (the signed form's reference, the call's record): sealed at rest. */
  evidence: string;
  recordedBy: string;
  recordedAt: Date;
  version: number;
  revokedAt: Date | null;
  revokedBy: string | null;
}

/** True when the consent holds at `at`: begun, not ended, not revoked. */
export function consentHolds(consent: Pick<Consent, 'validFrom' | 'validUntil' | 'revokedAt'>, at: Date): boolean {
  const t = at.getTime();
  return (
    consent.validFrom.getTime() <= t &&
    (consent.validUntil === null || consent.validUntil.getTime() > t) &&
    (consent.revokedAt === null || consent.revokedAt.getTime() > t)
  );
}

/** A guardian as the school linked them to a child. */
export interface GuardianLink {
  schoolAgencyId: string;
  guardianUserId: string;
  subjectId: string;
  linkedBy: string;
  linkedAt: Date;
  /** Suspected of being the source of harm: not shown the record, not notified, while this stands. */
  suspectedOfHarm: boolean;
  /** The last suspicion recorded about this guardian and its latest review (standing or cleared); null if none ever. */
  concern: GuardianConcern | null;
}

/** A suspicion of harm as the school recorded and reviewed it (Minors Protection Law Art. 11). */
export interface GuardianConcern {
  recordedBy: string;
  recordedAt: Date;
  reason: string | null;
  /** The latest review, or the clearing when the suspicion no longer stands. */
  reviewedBy: string | null;
  reviewedAt: Date | null;
}

/** One review of a suspicion; every one is kept (`ConsentStore.concernReviews`). */
export interface GuardianConcernReview {
  at: Date;
  by: string;
  /** Kept standing, or cleared. */
  outcome: 'KEPT' | 'CLEARED';
  note: string | null;
}

/** Which guardian's link to which child, at which school: the key of a link and of its suspicion. */
export interface GuardianLinkKey {
  schoolAgencyId: string;
  subjectId: string;
  guardianUserId: string;
}

/** One string per link, for maps keyed by link. */
export const linkKeyOf = (k: GuardianLinkKey): string => JSON.stringify([k.schoolAgencyId, k.subjectId, k.guardianUserId]);

/** A standing suspicion is reviewed every `everyMs` from when it was recorded or last reviewed; null once cleared. */
export function concernReviewDue(link: Pick<GuardianLink, 'suspectedOfHarm' | 'concern'>, everyMs: number): Date | null {
  if (!link.suspectedOfHarm || !link.concern) return null;
  return new Date((link.concern.reviewedAt ?? link.concern.recordedAt).getTime() + everyMs);
}

/**
 * What the policy reads about a principal and a child: the principal is the child's guardian, mentor or class
 * teacher. Relationships are looked up, never taken from the caller.
 */
export interface Relationship {
  kind: 'guardian' | 'mentor' | 'class-teacher';
  subjectId: string;
  suspectedOfHarm?: boolean;
}

/** A consent as the policy sees it: only what it held for, never its evidence. */
export interface PolicyConsent {
  purposes: string[];
  categories: string[];
  recipients: string[];
}
