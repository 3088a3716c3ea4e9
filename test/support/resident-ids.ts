import { residentIdCheckCharacter } from '../../core/enrolment/resident-id.js';

let sequence = 0;

/**
 * A fresh, well-formed resident identity number for a test child: an invented person (region 330203, a birth date
 * in 2012-2016, a sequence no real register assigned in this combination), with the check character it implies.
 */
export function inventedResidentId(): string {
  sequence = (sequence + 1) % 1000;
  const year = 2012 + Math.floor(Math.random() * 5);
  const month = String(1 + Math.floor(Math.random() * 12)).padStart(2, '0');
  const day = String(1 + Math.floor(Math.random() * 28)).padStart(2, '0');
  const body = `330203${year}${month}${day}${String(sequence).padStart(3, '0')}`;
  return body + residentIdCheckCharacter(body);
}

/** The same number with its check character replaced by a wrong one. */
export function withWrongCheckCharacter(residentId: string): string {
  const right = residentId.at(-1);
  return residentId.slice(0, 17) + (right === '0' ? '1' : '0');
}
