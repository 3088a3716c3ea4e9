import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkResidentId, residentIdCheckCharacter } from './resident-id.js';

const TODAY = '2026-12-02';
/** Invented numbers: region 330203 (a district code), a birth date, a sequence, and the check character they imply. */
const made = (body17: string) => body17 + residentIdCheckCharacter(body17);

describe('the resident identity number check', () => {
  it('accepts a number whose check character matches, including X for ten, and returns it upper-cased', () => {
    // The example the standard's annex works through: check character X.
    expect(residentIdCheckCharacter('11010519491231002')).toBe('X');
    expect(checkResidentId('11010519491231002x', TODAY)).toEqual({ ok: true, residentId: '11010519491231002X', birthDate: '1949-12-31' });
    expect(checkResidentId(made('33020320150307153'), TODAY)).toMatchObject({ ok: true, birthDate: '2015-03-07' });
  });

  it('refuses a wrong check character', () => {
    expect(checkResidentId('110105194912310021', TODAY)).toEqual({ ok: false, problem: 'WRONG_CHECK_CHARACTER' });
  });

  it('refuses a number of the wrong length', () => {
    expect(checkResidentId('11010519491231002', TODAY)).toEqual({ ok: false, problem: 'WRONG_LENGTH' });
    expect(checkResidentId('11010519491231002XX', TODAY)).toEqual({ ok: false, problem: 'WRONG_LENGTH' });
    expect(checkResidentId('', TODAY)).toEqual({ ok: false, problem: 'WRONG_LENGTH' });
  });

  it('refuses letters other than a final X, and a region code that cannot exist', () => {
    expect(checkResidentId('1101051949123100AX', TODAY)).toEqual({ ok: false, problem: 'NOT_DIGITS' });
    expect(checkResidentId(made('01010520150307153'), TODAY)).toEqual({ ok: false, problem: 'BAD_REGION' });
  });

  it('refuses an impossible birth date: 30 February, month 13, 29 February of a common year', () => {
    expect(checkResidentId(made('33020320150230153'), TODAY)).toEqual({ ok: false, problem: 'IMPOSSIBLE_BIRTH_DATE' });
    expect(checkResidentId(made('33020320151301153'), TODAY)).toEqual({ ok: false, problem: 'IMPOSSIBLE_BIRTH_DATE' });
    expect(checkResidentId(made('33020320150229153'), TODAY)).toEqual({ ok: false, problem: 'IMPOSSIBLE_BIRTH_DATE' });
    expect(checkResidentId(made('33020320160229153'), TODAY)).toMatchObject({ ok: true });
  });

  it('refuses a birth date after today', () => {
    expect(checkResidentId(made('33020320261203153'), TODAY)).toEqual({ ok: false, problem: 'FUTURE_BIRTH_DATE' });
    expect(checkResidentId(made('33020320261202153'), TODAY)).toMatchObject({ ok: true });
  });

  it('catches every single-character typo and every swap of two different neighbours in the first seventeen', () => {
    const valid = made('33020320150307153');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 16 }), fc.integer({ min: 1, max: 9 }), (position, delta) => {
        const digit = (Number(valid[position]) + delta) % 10;
        const typo = valid.slice(0, position) + String(digit) + valid.slice(position + 1);
        const result = checkResidentId(typo, TODAY);
        expect(result.ok).toBe(false);
      }),
    );
    for (let i = 0; i < 16; i++) {
      if (valid[i] === valid[i + 1]) continue;
      const swapped = valid.slice(0, i) + valid[i + 1] + valid[i] + valid.slice(i + 2);
      expect(checkResidentId(swapped, TODAY).ok).toBe(false);
    }
  });
});
