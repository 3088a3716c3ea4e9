import type { Referral } from './referral.js';

/** Told after a referral change has committed; the gateway turns it into subscription pushes. */
export interface ReferralNotifier {
  referralChanged(referral: Referral): void;
  /** A deadline on the referral has just passed (recorded as a breach). */
  referralOverdue(referral: Referral): void;
}
