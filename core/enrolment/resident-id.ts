/**
 * The 18-character resident identity number (GB 11643-1999): a six-digit region code, the birth date as
 * YYYYMMDD, a three-digit sequence and a check character computed with ISO 7064 MOD 11-2 (`X` stands for 10).
 * The hub checks it only to refuse a mistyped number before it derives a pseudonym from it: a typo would
 * otherwise link a signal to no child, or to the wrong one. The number itself is never kept, logged or echoed;
 * every reason below says what is wrong without repeating the value.
 */
export type ResidentIdProblem = 'WRONG_LENGTH' | 'NOT_DIGITS' | 'BAD_REGION' | 'IMPOSSIBLE_BIRTH_DATE' | 'FUTURE_BIRTH_DATE' | 'WRONG_CHECK_CHARACTER';

export const RESIDENT_ID_PROBLEMS: Readonly<Record<ResidentIdProblem, string>> = {
  WRONG_LENGTH: 'the resident identity number is not 18 characters long',
  NOT_DIGITS: 'the resident identity number must be 17 digits and a digit or X',
  BAD_REGION: 'the resident identity number does not start with a region code',
  IMPOSSIBLE_BIRTH_DATE: 'the birth date in the resident identity number is not a calendar date',
  FUTURE_BIRTH_DATE: 'the birth date in the resident identity number lies in the future',
  WRONG_CHECK_CHARACTER: 'the check character of the resident identity number is wrong',
};

/** ISO 7064 MOD 11-2 weights for positions 1-17: 2^(18-i) mod 11. */
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const CHECK_CHARACTERS = '10X98765432';

/** The check character of the first 17 digits. */
export function residentIdCheckCharacter(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17.charCodeAt(i) - 48) * WEIGHTS[i]!;
  return CHECK_CHARACTERS[sum % 11]!;
}

export type ResidentIdCheck = { ok: true; residentId: string; birthDate: string } | { ok: false; problem: ResidentIdProblem };

/**
 * Checks a resident identity number; `today` (YYYY-MM-DD, China Standard Time is close enough: a child born
 * today is not yet reported) bounds the birth date. A lower-case `x` is read as `X`; the canonical form is returned.
 */
export function checkResidentId(raw: string, today: string): ResidentIdCheck {
  const value = raw.trim().toUpperCase();
  if (value.length !== 18) return { ok: false, problem: 'WRONG_LENGTH' };
  if (!/^\d{17}[\dX]$/.test(value)) return { ok: false, problem: 'NOT_DIGITS' };
  // Province codes run from 11 (Beijing) to 82 (Macao); none starts with 0 or 9.
  if (!/^[1-8]\d/.test(value)) return { ok: false, problem: 'BAD_REGION' };
  const year = Number(value.slice(6, 10));
  const month = Number(value.slice(10, 12));
  const day = Number(value.slice(12, 14));
  const date = new Date(Date.UTC(year, month - 1, day));
  if (year < 1900 || date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
    return { ok: false, problem: 'IMPOSSIBLE_BIRTH_DATE' };
  }
  const birthDate = `${value.slice(6, 10)}-${value.slice(10, 12)}-${value.slice(12, 14)}`;
  if (birthDate > today) return { ok: false, problem: 'FUTURE_BIRTH_DATE' };
  if (residentIdCheckCharacter(value.slice(0, 17)) !== value[17]) return { ok: false, problem: 'WRONG_CHECK_CHARACTER' };
  return { ok: true, residentId: value, birthDate };
}
