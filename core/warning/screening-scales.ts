/**
 * The screening scales a school may import, each with the range of its total score. A score outside its scale's
 * range is a typing or export error, refused with its line rather than stored. The list is the scales the bureaus'
 * census and crisis screening use; a district that uses another asks for it to be added here.
 */
export const SCREENING_SCALES = {
  'PHQ-9': { min: 0, max: 27 },
  'PHQ-A': { min: 0, max: 27 },
  'GAD-7': { min: 0, max: 21 },
  'CES-D': { min: 0, max: 60 },
  DSRSC: { min: 0, max: 36 },
  SCARED: { min: 0, max: 82 },
  'SCL-90': { min: 90, max: 450 },
  /** The Mental Health Test (MHT) used in Chinese schools: 100 items, 0-100. */
  MHT: { min: 0, max: 100 },
  /** Middle School Student Mental Health Scale (MSSMHS): mean item score. */
  MSSMHS: { min: 1, max: 5 },
} as const satisfies Record<string, { min: number; max: number }>;

export type ScreeningScale = keyof typeof SCREENING_SCALES;

export const SCREENING_SCALE_NAMES = Object.keys(SCREENING_SCALES) as [ScreeningScale, ...ScreeningScale[]];
