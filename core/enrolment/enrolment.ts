/** One stay of a child at a school: the register the school connector keeps current (R87). */
export interface Enrolment {
  subjectId: string;
  schoolAgencyId: string;
  grade: number;
  /** The class within the grade, as the school names it (e.g. `7-3`). */
  classRef: string;
  /** The school's own student number. */
  localRef: string;
  /** YYYY-MM-DD. */
  since: string;
  /** YYYY-MM-DD when the child left or moved on; null while enrolled. */
  until: string | null;
}

/** What applying one enrolment did. */
export type EnrolOutcome =
  | { kind: 'ENROLLED'; created: boolean; transferredFrom: { schoolAgencyId: string; localRef: string } | null }
  | { kind: 'UNCHANGED' }
  | { kind: 'NUMBER_TAKEN' };
