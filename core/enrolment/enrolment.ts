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
  | { kind: 'ENROLLED'; created: boolean }
  /** The child is enrolled at another school: held until that school records that the child left. */
  | { kind: 'TRANSFER_PENDING'; from: { schoolAgencyId: string; localRef: string } }
  | { kind: 'UNCHANGED' }
  | { kind: 'NUMBER_TAKEN' };

/** A transfer completed when the old school recorded the child as left. */
export interface CompletedTransfer {
  subjectId: string;
  toSchoolAgencyId: string;
  localRef: string;
  since: string;
}
