import { describe, expect, it } from 'vitest';
import { disclose } from './disclosure.js';

describe('disclose', () => {
  it('keeps only the fields the decision allowed', () => {
    expect(disclose({ id: 'r1', reason: 'sensitive', state: 'SENT' }, ['id', 'state'])).toEqual({ id: 'r1', state: 'SENT' });
  });

  it('discloses nothing when the decision allowed no field', () => {
    expect(disclose({ id: 'r1', reason: 'sensitive' }, [])).toEqual({});
  });

  it('cuts every item of a nested list down to the dotted fields allowed', () => {
    const record = {
      id: 'r1',
      timeline: [
        { state: 'SENT', actorUserId: 'teacher-7' },
        { state: 'ACCEPTED', actorUserId: 'dr-lin' },
      ],
    };
    expect(disclose(record, ['id', 'timeline.state'])).toEqual({ id: 'r1', timeline: [{ state: 'SENT' }, { state: 'ACCEPTED' }] });
  });

  it('cuts a nested object and never discloses a scalar through a dotted name', () => {
    expect(disclose({ a: { x: 1, y: 2 }, b: 'secret' }, ['a.x', 'b.length'])).toEqual({ a: { x: 1 }, b: null });
  });

  it('keeps dates whole', () => {
    const at = new Date('2026-11-23T08:00:00Z');
    expect(disclose({ at }, ['at'])).toEqual({ at });
  });
});
