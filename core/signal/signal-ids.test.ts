import { describe, expect, it } from 'vitest';
import { newTimeOrderedId } from './signal-service.js';

describe('signal and episode ids', () => {
  it('sort by the time they were made and carry twelve random hex digits', () => {
    const early = newTimeOrderedId('sig', new Date('2026-03-01T08:00:00Z'));
    const late = newTimeOrderedId('sig', new Date('2026-03-01T08:00:00.001Z'));
    expect(early < late).toBe(true);
    expect(early).toMatch(/^sig-[0-9a-z]{9}-[0-9a-f]{12}$/);
  });

  it('differ when made in the same millisecond', () => {
    const at = new Date('2026-03-01T08:00:00Z');
    const ids = new Set(Array.from({ length: 10_000 }, () => newTimeOrderedId('ep', at)));
    expect(ids.size).toBe(10_000);
  });
});
