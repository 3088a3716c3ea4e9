/**
 * The warning counters as the bureaus publish them (R74; Jiaxing 2024: raised, lifted, current, revisited, referred
 * to medical care), per school. `raised`, `lifted` and `revisited` count what happened in the period; `current` and
 * its categories, `homeVisited` and `overdueTasks` count the list at the time of asking; `referred` counts listed
 * students the school has referred to a hospital or centre by the end of the period.
 */
export interface WarningCounts {
  schoolAgencyId: string;
  /** Entries raised or raised again in the period. */
  raised: number;
  /** Entries lifted in the period. */
  lifted: number;
  /** Entries on the list now. */
  current: number;
  currentCategory2: number;
  currentCategory3: number;
  /** Entries reviewed, or whose student had a visit or meeting held, in the period (R24). */
  revisited: number;
  /** Entries whose student has a referral from the school sent before the period ends. */
  referred: number;
  /** Entries on the list now whose student has had a home visit held since being listed (R30). */
  homeVisited: number;
  /** Care tasks past due and not yet held, now. */
  overdueTasks: number;
}

export const WARNING_COUNTS = [
  'raised',
  'lifted',
  'current',
  'currentCategory2',
  'currentCategory3',
  'revisited',
  'referred',
  'homeVisited',
  'overdueTasks',
] as const;

export function emptyWarningCounts(schoolAgencyId: string): WarningCounts {
  return {
    schoolAgencyId,
    raised: 0,
    lifted: 0,
    current: 0,
    currentCategory2: 0,
    currentCategory3: 0,
    revisited: 0,
    referred: 0,
    homeVisited: 0,
    overdueTasks: 0,
  };
}
