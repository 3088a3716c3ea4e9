import type { Transaction } from '../ports/unit-of-work.js';
import type { Consent, GuardianConcernReview, GuardianLink, GuardianLinkKey } from './consent.js';
import type { Emergency, GuardianNotice } from './emergency.js';

/** Consents, guardian links, and the relationships the policy reads (migration set `hub`, 0010). */
export interface ConsentStore {
  insert(tx: Transaction, consent: Consent): Promise<void>;
  get(id: string, tx?: Transaction): Promise<Consent | null>;
  /** Amends in place (version + 1), keeping what the consent said before (`consent_versions`). */
  amend(
    tx: Transaction,
    id: string,
    change: Pick<Consent, 'purposes' | 'categories' | 'recipients' | 'validUntil' | 'evidence'>,
    by: string,
    at: Date,
  ): Promise<boolean>;
  revoke(tx: Transaction, id: string, at: Date, by: string): Promise<boolean>;
  forSubject(subjectId: string): Promise<Consent[]>;
  /** The consents holding at `at` for each of the children, in one lookup. */
  holdingFor(subjectIds: readonly string[], at: Date): Promise<Consent[]>;
  link(tx: Transaction, link: Omit<GuardianLink, 'concern'>): Promise<void>;
  /** The link at that school, held until the transaction ends. */
  lockLink(tx: Transaction, key: GuardianLinkKey): Promise<GuardianLink | null>;
  /** Records a suspicion (which must not stand yet) or clears a standing one, the clearing kept as a review. */
  setSuspicion(tx: Transaction, key: GuardianLinkKey, suspicion: { suspected: boolean; by: string; at: Date; reason: string | null }): Promise<void>;
  /** Records a review of a standing suspicion, which keeps standing. */
  reviewSuspicion(tx: Transaction, key: GuardianLinkKey, review: { by: string; at: Date; note: string }): Promise<void>;
  guardiansOf(subjectId: string): Promise<GuardianLink[]>;
  /** The reviews of each link's current (or last) suspicion, oldest first, by `linkKeyOf`. */
  concernReviews(links: readonly GuardianLink[]): Promise<Map<string, GuardianConcernReview[]>>;
  /** The school's guardians under a standing suspicion, longest unreviewed first, leaving out `exceptGuardian`'s own. */
  standingSuspicions(schoolAgencyId: string, first: number, exceptGuardian: string): Promise<GuardianLink[]>;
  childrenOf(guardian: { schoolAgencyId: string; guardianUserId: string }): Promise<GuardianLink[]>;
  insertEmergency(tx: Transaction, emergency: Emergency): Promise<void>;
  getEmergency(id: string): Promise<Emergency | null>;
  /** Declarations of the schools' children not yet signed off, oldest first. */
  unreviewedEmergencies(schoolAgencyIds: readonly string[], first: number): Promise<Emergency[]>;
  signOffEmergency(tx: Transaction, id: string, review: { by: string; at: Date; note: string }): Promise<boolean>;
  addNotice(tx: Transaction, notice: GuardianNotice & { schoolAgencyId: string; guardianUserId: string }): Promise<void>;
  noticesFor(guardian: { schoolAgencyId: string; guardianUserId: string }): Promise<GuardianNotice[]>;
}
