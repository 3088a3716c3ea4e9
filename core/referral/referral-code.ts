import { randomInt } from 'node:crypto';

/** Crockford's base32 without I, L, O and U: read aloud or typed from paper without confusion. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * A short code for the referral letter the family carries: `GC-XXXX-XXXX`, 40 random bits. Unguessable enough that
 * a code alone discloses nothing (the hospital must also be the referral's recipient to find it by code).
 */
export function newReferralCode(): string {
  const chars = Array.from({ length: 8 }, () => ALPHABET.charAt(randomInt(ALPHABET.length)));
  return `GC-${chars.slice(0, 4).join('')}-${chars.slice(4).join('')}`;
}

const TYPED_CODE = new RegExp(`^[${ALPHABET}]{8}$`);

/** Accepts what a person types from the letter: case, spaces and a missing prefix are forgiven. */
export function normaliseReferralCode(typed: string): string | null {
  const compact = typed.toUpperCase().replace(/[\s-]/g, '').replace(/^GC/, '');
  if (!TYPED_CODE.test(compact)) return null;
  return `GC-${compact.slice(0, 4)}-${compact.slice(4)}`;
}
