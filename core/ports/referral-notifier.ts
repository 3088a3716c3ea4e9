import type { Referral } from '../referral/referral.js';

/** Told after a referral change has committed; the gateway turns it into subscription pushes. */
export interface ReferralNotifier {
  referralChanged(referral: Referral): void;
}
