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
