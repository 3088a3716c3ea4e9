/**
 * Several signals about one child within a window form one episode (R55). A batch is placed in order, each signal
 * among the child's signals already on record and those of the batch placed before it, so a batch ends exactly as
 * the same signals sent one by one would: a signal joins the episode of the latest signal observed within the window
 * either side, or starts its own.
 */
export function createEpisodeFinder(windowMs: number, onRecord: Iterable<{ keys: readonly string[]; observedAt: Date; episodeId: string }>) {
  const byChild = new Map<string, Array<{ at: number; episodeId: string }>>();
  const add = (keys: readonly string[], observedAt: Date, episodeId: string) => {
    for (const key of keys) {
      const list = byChild.get(key);
      if (list) list.push({ at: observedAt.getTime(), episodeId });
      else byChild.set(key, [{ at: observedAt.getTime(), episodeId }]);
    }
  };
  for (const signal of onRecord) add(signal.keys, signal.observedAt, signal.episodeId);
  return {
    /** The episode a signal about the child known by any of `keys` joins; `fresh` names a new one when none is near. */
    place(keys: readonly string[], observedAt: Date, fresh: () => string): string {
      const at = observedAt.getTime();
      let best: { at: number; episodeId: string } | null = null;
      for (const key of keys) for (const seen of byChild.get(key) ?? []) if (Math.abs(seen.at - at) <= windowMs && (!best || seen.at > best.at)) best = seen;
      const episodeId = best?.episodeId ?? fresh();
      add(keys, observedAt, episodeId);
      return episodeId;
    },
  };
}
