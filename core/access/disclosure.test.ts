import { describe, expect, it } from 'vitest';
import { disclose } from './disclosure.js';

describe('disclose', () => {
  it('keeps only the fields the decision allowed', () => {
    expect(disclose({ id: 'r1', reason: 'sensitive', state: 'SENT' }, ['id', 'state'])).toEqual({ id: 'r1', state: 'SENT' });
  });

  it('discloses nothing when the decision allowed no field', () => {
    expect(disclose({ id: 'r1', reason: 'sensitive' }, [])).toEqual({});
  });
});
