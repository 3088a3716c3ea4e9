import type { AgencyDirectory, AgencyRecord } from './keys.js';

/** A child as the hub knows them: a pseudonym, the school they are enrolled in, nothing that names them. */
export interface SubjectRecord {
  id: string;
  schoolAgencyId: string;
  grade: number;
  /** The school's own student reference, meaningful only inside that school. */
  localRef: string;
  /** The class within the grade, once the school's register has named it. */
  classRef?: string | null;
}

/** Who is registered with the hub: agencies (with their keys and district) and the pseudonymous subjects. */
export interface DirectoryStore {
  readonly agencies: AgencyDirectory;
  upsertAgency(agency: AgencyRecord): Promise<void>;
  findSubject(id: string): Promise<SubjectRecord | null>;
  /** Many subjects in one lookup (unknown ids are simply absent), so a page of referrals costs one query, not fifty. */
  findSubjects(ids: readonly string[]): Promise<SubjectRecord[]>;
  /** A school's students by the school's own student numbers (imports name them so); unknown numbers are absent. */
  findSubjectsByLocalRef(schoolAgencyId: string, localRefs: readonly string[]): Promise<SubjectRecord[]>;
  /** A school's subjects ordered by id, `first` after the id `after`. */
  listSubjects(schoolAgencyId: string, page: { first: number; after?: string }): Promise<{ items: SubjectRecord[]; hasMore: boolean }>;
  upsertSubject(subject: SubjectRecord): Promise<void>;
}
