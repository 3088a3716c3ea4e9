import DataLoader from 'dataloader';
import type { DirectoryStore, SubjectRecord } from '../ports/directory.js';
import type { AgencyDirectory, AgencyRecord } from '../ports/keys.js';

/**
 * The directory as one request sees it: each agency looked up once, however many objects name it (a list of 100
 * referrals names the same two or three agencies 200 times). Lives no longer than the request, so it needs no
 * invalidation.
 */
export function requestScopedDirectory(directory: AgencyDirectory): AgencyDirectory {
  const found = new Map<string, Promise<AgencyRecord | null>>();
  let all: Promise<AgencyRecord[]> | null = null;
  return {
    find(agencyId) {
      let record = found.get(agencyId);
      if (!record) found.set(agencyId, (record = directory.find(agencyId)));
      return record;
    },
    list: () => (all ??= directory.list()),
  };
}

/**
 * Subjects as one request sees them: every lookup made in the same tick (one per referral of a page) goes to the
 * store as one query, and each subject is looked up once per request.
 */
export function requestScopedSubjects(directory: Pick<DirectoryStore, 'findSubjects'>): (id: string) => Promise<SubjectRecord | null> {
  const loader = new DataLoader<string, SubjectRecord | null>(
    async (ids) => {
      const byId = new Map((await directory.findSubjects(ids)).map((s) => [s.id, s]));
      return ids.map((id) => byId.get(id) ?? null);
    },
    { maxBatchSize: 500 },
  );
  return (id) => loader.load(id);
}

/** The directory store's lookups as one request sees them: agencies and subjects each fetched once, in batches. */
export function requestScopedDirectoryStore<D extends DirectoryStore>(directory: D): D {
  return { ...directory, agencies: requestScopedDirectory(directory.agencies), findSubject: requestScopedSubjects(directory) };
}
