import type { Transaction } from '../ports/unit-of-work.js';
import type { Consent, GuardianLink } from './consent.js';
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
  setSuspicion(
    tx: Transaction,
    key: { subjectId: string; guardianUserId: string },
    suspicion: { suspected: boolean; by: string; at: Date; reason: string | null },
  ): Promise<boolean>;
  /** Records a review of a standing suspicion, which keeps standing; false when none stands. */
  reviewSuspicion(tx: Transaction, key: { subjectId: string; guardianUserId: string }, review: { by: string; at: Date; note: string }): Promise<boolean>;
  guardiansOf(subjectId: string): Promise<GuardianLink[]>;
  /** The school's guardians under a standing suspicion, longest unreviewed first. */
  standingSuspicions(schoolAgencyId: string, first: number): Promise<GuardianLink[]>;
  childrenOf(guardian: { schoolAgencyId: string; guardianUserId: string }): Promise<GuardianLink[]>;
  insertEmergency(tx: Transaction, emergency: Emergency): Promise<void>;
  getEmergency(id: string): Promise<Emergency | null>;
  /** Declarations of the schools' children not yet signed off, oldest first. */
  unreviewedEmergencies(schoolAgencyIds: readonly string[], first: number): Promise<Emergency[]>;
  signOffEmergency(tx: Transaction, id: string, review: { by: string; at: Date; note: string }): Promise<boolean>;
  addNotice(tx: Transaction, notice: GuardianNotice & { schoolAgencyId: string; guardianUserId: string }): Promise<void>;
  noticesFor(guardian: { schoolAgencyId: string; guardianUserId: string }): Promise<GuardianNotice[]>;
}
