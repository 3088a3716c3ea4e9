import type { Transaction } from '../ports/unit-of-work.js';
import type { AssessmentState } from './assessment-state-machine.js';
import type { SpecialAttentionKind } from './special-attention.js';
import type { WarningCounts } from './warning-counters.js';
import type { WarningAssessment, WarningEntry, WarningStep } from './warning-entry.js';
import type { WarningState } from './warning-state-machine.js';

export interface WarningPage<T> {
  items: T[];
  hasMore: boolean;
}

/** Where the warning register is kept (adapters/store/sql-warning-store.ts). Sensitive text is sealed at rest. */
export interface WarningStore {
  insertAssessment(tx: Transaction, assessment: WarningAssessment): Promise<void>;
  /** Writes the assessment's current state, interview and decision. */
  saveAssessment(tx: Transaction, assessment: WarningAssessment): Promise<void>;
  findAssessment(id: string): Promise<WarningAssessment | null>;
  /** Reads the assessment and holds it until the transaction ends. */
  lockAssessment(tx: Transaction, id: string): Promise<WarningAssessment | null>;
  /** A school's assessments by proposal time; only `proposedBy`'s when given. */
  listAssessments(
    schoolAgencyId: string,
    page: { first: number; after?: { at: Date; id: string }; state?: AssessmentState; proposedBy?: string },
  ): Promise<WarningPage<WarningAssessment>>;

  /** Inserts an entry without history; steps are appended with `appendStep`. */
  insertEntry(tx: Transaction, entry: Omit<WarningEntry, 'history'>): Promise<void>;
  saveEntry(tx: Transaction, entry: Omit<WarningEntry, 'history'>): Promise<void>;
  appendStep(tx: Transaction, entryId: string, step: Omit<WarningStep, 'sequence'>): Promise<void>;
  findEntry(id: string): Promise<WarningEntry | null>;
  lockEntry(tx: Transaction, id: string): Promise<WarningEntry | null>;
  /** The child's entry on the school's list, locked (any state: a lifted entry is raised again, not duplicated). */
  findEntryForSubject(tx: Transaction, schoolAgencyId: string, subjectId: string): Promise<WarningEntry | null>;
  /** The child's entry on the school's list, in any state, read without holding it. */
  entryOfSubject(schoolAgencyId: string, subjectId: string): Promise<WarningEntry | null>;
  listEntries(schoolAgencyId: string, page: { first: number; after?: { at: Date; id: string }; state?: WarningState }): Promise<WarningPage<WarningEntry>>;
  /** The bureaus' counters for these schools over [from, to) (see WarningCounts); schools with none are absent. */
  countBySchool(schoolAgencyIds: readonly string[], from: Date, to: Date): Promise<WarningCounts[]>;
  /** Entries on the list now, per school and special-attention kind. */
  currentByKind(schoolAgencyIds: readonly string[]): Promise<Array<{ schoolAgencyId: string; kind: string; count: number }>>;
  /** The kinds a district tracks, in the order the bureau gave them. */
  specialAttentionKinds(districtId: string): Promise<SpecialAttentionKind[]>;
  /** Replaces the district's kinds. */
  setSpecialAttentionKinds(tx: Transaction, districtId: string, kinds: readonly SpecialAttentionKind[]): Promise<void>;
}
