import type { Transaction } from '../ports/unit-of-work.js';
import type { ScreeningScale } from './screening-scales.js';

/** One scale result in a student's record ("one student, one file", R08). */
export interface ScreeningResult {
  subjectId: string;
  schoolAgencyId: string;
  scale: ScreeningScale;
  takenOn: string;
  score: number;
  assessor: string;
  importId: string;
  recordedAt: Date;
}

/** Where screening results are kept (adapters/store/sql-screening-store.ts); scores sealed at rest. */
export interface ScreeningStore {
  /**
   * Records results, one per student, scale and day: a new result is applied, a result already on record with the
   * same score and assessor is left as it is (the same file imported twice changes nothing), a corrected one replaces
   * it. Returns how many were applied.
   */
  record(tx: Transaction, results: readonly ScreeningResult[]): Promise<{ applied: number }>;
  /** A student's results at a school, most recent first. */
  forSubject(schoolAgencyId: string, subjectId: string, limit: number): Promise<ScreeningResult[]>;
}
