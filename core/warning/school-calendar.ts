/**
 * Terms and the school year, for the cadences counted per term or per year (R12: a mentor talks with each student
 * at least once a term; R31: a mentor visit once a term, a class-teacher visit to every student once a school year).
 * `termStarts` are month-day pairs ("09-01", "02-20"): the first starts the school year. Days are counted in UTC+8,
 * the schools' own calendar.
 */
export interface SchoolCalendar {
  termStarts: string[];
}

export const DEFAULT_SCHOOL_CALENDAR: SchoolCalendar = { termStarts: ['09-01', '02-20'] };

const CHINA_OFFSET_MS = 8 * 3600_000;

function startOf(year: number, monthDay: string): Date {
  const [month, day] = monthDay.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(year, month - 1, day) - CHINA_OFFSET_MS);
}

/** Every term start around `at`, oldest first, with whether it starts a school year. */
function startsAround(at: Date, calendar: SchoolCalendar): Array<{ at: Date; yearStart: boolean }> {
  const year = new Date(at.getTime() + CHINA_OFFSET_MS).getUTCFullYear();
  const out: Array<{ at: Date; yearStart: boolean }> = [];
  for (const y of [year - 1, year, year + 1]) calendar.termStarts.forEach((md, i) => out.push({ at: startOf(y, md), yearStart: i === 0 }));
  return out.sort((a, b) => a.at.getTime() - b.at.getTime());
}

/** The term `at` falls in: [from, to). */
export function termOf(at: Date, calendar: SchoolCalendar = DEFAULT_SCHOOL_CALENDAR): { from: Date; to: Date } {
  const starts = startsAround(at, calendar);
  const i = starts.findLastIndex((s) => s.at.getTime() <= at.getTime());
  return { from: starts[i]!.at, to: starts[i + 1]!.at };
}

/** The school year `at` falls in: [from, to). */
export function schoolYearOf(at: Date, calendar: SchoolCalendar = DEFAULT_SCHOOL_CALENDAR): { from: Date; to: Date } {
  const starts = startsAround(at, calendar).filter((s) => s.yearStart);
  const i = starts.findLastIndex((s) => s.at.getTime() <= at.getTime());
  return { from: starts[i]!.at, to: starts[i + 1]!.at };
}
