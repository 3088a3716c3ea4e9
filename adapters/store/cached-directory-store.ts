import type { Clock } from '../../core/clock.js';
import type { DirectoryStore } from '../../core/ports/directory.js';
import type { AgencyRecord } from '../../core/ports/keys.js';

export interface CachedDirectoryStore extends DirectoryStore {
  /** Forgets the cached agencies: called when this process changes one, and when another replica says it did. */
  invalidateAgencies(): void;
}

/**
 * The agency directory held in memory. Every request needs it (the token's issuer and keys, the agencies a page
 * of referrals names), it is small (a city's schools, hospitals and bureaus) and it changes rarely, by
 * registration. A change made through this store invalidates at once; one made elsewhere is picked up within
 * `maxAgeMs` at the latest, or at once where the replica hears of it (`invalidateAgencies`). Subjects are not
 * cached here: a city's students do not belong in every replica's memory; requests batch their lookups instead.
 */
export function cachedDirectoryStore(store: DirectoryStore, options: { clock: Clock; maxAgeMs?: number }): CachedDirectoryStore {
  const maxAgeMs = options.maxAgeMs ?? 30_000;
  interface Snapshot {
    loadedAt: number;
    byId: Map<string, AgencyRecord>;
    list: AgencyRecord[];
  }
  let cached: Snapshot | null = null;
  let loading: Promise<Snapshot> | null = null;
  let generation = 0;

  const current = async (): Promise<Snapshot> => {
    if (cached && options.clock.now().getTime() - cached.loadedAt < maxAgeMs) return cached;
    loading ??= (async () => {
      const started = generation;
      try {
        // Frozen: one copy is shared by every request, so no caller may change it for the others.
        const list = Object.freeze((await store.agencies.list()).map((a) => Object.freeze(a))) as AgencyRecord[];
        const loaded: Snapshot = { loadedAt: options.clock.now().getTime(), byId: new Map(list.map((a) => [a.id, a])), list };
        // An invalidation while loading means what was read may already be stale: use it once, do not keep it.
        if (started === generation) cached = loaded;
        return loaded;
      } finally {
        loading = null;
      }
    })();
    return loading;
  };
  const invalidateAgencies = () => {
    generation++;
    cached = null;
  };

  return {
    ...store,
    agencies: {
      async find(agencyId) {
        return (await current()).byId.get(agencyId) ?? null;
      },
      async list() {
        return (await current()).list;
      },
    },
    async upsertAgency(agency) {
      await store.upsertAgency(agency);
      invalidateAgencies();
    },
    invalidateAgencies,
  };
}
