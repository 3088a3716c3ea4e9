import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * Lets the event loop turn when work that never waits on I/O has held this thread for `maxBusyMs`.
 *
 * Why: PGlite runs PostgreSQL on the hub's thread, and its promises settle without touching I/O. With several
 * requests queued for its one connection, each statement's end hands the lock to the next through a promise, so
 * the whole queue (and every request's work between its statements) ran in one microtask drain. Nothing else was
 * served meanwhile: under 16 clients listing, `/health` waited 119 ms p50 and 240 ms p99 on PGlite against 8 and 29
 * on PostgreSQL, whose statements are socket I/O and so turn the loop by themselves.
 *
 * `maybeYield()` measures from the first call in the current turn of the loop (a `setImmediate` marks the turn's
 * end), so an idle hub never waits and a busy one yields at most once every `maxBusyMs` of uninterrupted work, at
 * the cost of one `setImmediate` a turn.
 */
export function createEventLoopTurn(maxBusyMs: number) {
  let busySince: number | null = null;
  const turned = () => {
    busySince = null;
  };
  return {
    /** Resolves at once, or after the loop has served whatever waited (I/O, timers), when this turn ran too long. */
    async maybeYield(): Promise<void> {
      const now = performance.now();
      if (busySince === null) {
        busySince = now;
        setImmediate(turned);
        return;
      }
      if (now - busySince < maxBusyMs) return;
      // `turned` was queued first, so it has run (and cleared the mark) by the time this resolves.
      await nextTurn();
    },
  };
}
