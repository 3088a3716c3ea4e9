import { describe, expect, it } from 'vitest';
import { schoolYearOf, termOf } from './school-calendar.js';

describe('the school calendar', () => {
  it("places a day in its term and school year, in the schools' own time zone", () => {
    expect(termOf(new Date('2026-12-01T00:00:00Z'))).toEqual({ from: new Date('2026-08-31T16:00:00Z'), to: new Date('2027-02-19T16:00:00Z') });
    expect(termOf(new Date('2027-03-10T00:00:00Z'))).toEqual({ from: new Date('2027-02-19T16:00:00Z'), to: new Date('2027-08-31T16:00:00Z') });
    expect(schoolYearOf(new Date('2027-03-10T00:00:00Z'))).toEqual({ from: new Date('2026-08-31T16:00:00Z'), to: new Date('2027-08-31T16:00:00Z') });
    // Midnight on 1 September in China is still 31 August in UTC: already the new year.
    expect(schoolYearOf(new Date('2026-08-31T17:00:00Z')).from).toEqual(new Date('2026-08-31T16:00:00Z'));
    expect(termOf(new Date('2026-08-31T15:00:00Z')).from).toEqual(new Date('2026-02-19T16:00:00Z'));
  });

  it("takes a district's own term dates", () => {
    expect(termOf(new Date('2026-12-01T00:00:00Z'), { termStarts: ['08-25', '01-15', '04-01'] }).from).toEqual(new Date('2026-08-24T16:00:00Z'));
    expect(termOf(new Date('2027-05-01T00:00:00Z'), { termStarts: ['08-25', '01-15', '04-01'] }).from).toEqual(new Date('2027-03-31T16:00:00Z'));
  });
});
