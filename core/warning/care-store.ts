import type { Transaction } from '../ports/unit-of-work.js';
import type { CareCoverage, CareTask, CarerContact, CarerRole, Observation, StudentCarer } from './care-task.js';

/** Carers, observations and care tasks (adapters/store/sql-care-store.ts); notes and outcomes sealed at rest. */
export interface CareStore {
  assignCarer(tx: Transaction, carer: StudentCarer): Promise<void>;
  removeCarer(tx: Transaction, subjectId: string, userId: string, role: CarerRole): Promise<boolean>;
  /** Inside `tx` when given: the embedded store has one connection, which a transaction holds. */
  carersOf(subjectIds: readonly string[], tx?: Transaction): Promise<StudentCarer[]>;
  /** The students a mentor or class teacher is assigned to, ordered by pseudonym. */
  studentsOf(schoolAgencyId: string, userId: string, page: { first: number; after?: string }): Promise<{ items: StudentCarer[]; hasMore: boolean }>;
  insertObservation(tx: Transaction, observation: Observation): Promise<void>;
  insertTasks(tx: Transaction, tasks: readonly CareTask[]): Promise<void>;
  findTask(id: string): Promise<CareTask | null>;
  lockTask(tx: Transaction, id: string): Promise<CareTask | null>;
  completeTask(tx: Transaction, id: string, done: { at: Date; by: string; outcome: string }): Promise<void>;
  /** Closes the open tasks a listing booked (the warning was lifted); returns how many. */
  closeOpenTasksOf(tx: Transaction, warningId: string, done: { at: Date; by: string; outcome: string }): Promise<number>;
  /** A school's tasks by due date; only `assigneeUserId`'s when given; open ones only when `openOnly`. */
  listTasks(
    schoolAgencyId: string,
    page: { first: number; after?: { at: Date; id: string }; assigneeUserId?: string; openOnly?: boolean },
  ): Promise<{ items: CareTask[]; hasMore: boolean }>;
  /** Open tasks past due whose breach is not yet recorded, oldest first; marks them, once. */
  markOverdue(tx: Transaction, now: Date, limit: number): Promise<CareTask[]>;
  /** Listed students (open entries) among `subjectIds` at the school. */
  listedAmong(schoolAgencyId: string, subjectIds: readonly string[], tx?: Transaction): Promise<Set<string>>;
  insertContact(tx: Transaction, contact: CarerContact): Promise<void>;
  /** Per school: the mentor grid and the cadences' coverage over the given term and school year. */
  coverage(
    schoolAgencyIds: readonly string[],
    term: { from: Date; to: Date },
    schoolYear: { from: Date; to: Date },
    mentorsPerClass: number,
  ): Promise<CareCoverage[]>;
}
