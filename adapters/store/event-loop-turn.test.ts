import { describe, expect, it } from 'vitest';
import { createEventLoopTurn } from './event-loop-turn.js';

/** Holds the thread for `ms`, as a statement run by PGlite does. */
const busy = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until);
};

/** A chain of `steps` pieces of work that settle through promises alone, each holding the thread for 1 ms. */
async function promiseOnlyWork(steps: number, before: () => Promise<void>) {
  for (let i = 0; i < steps; i++) {
    await before();
    await Promise.resolve().then(() => busy(1));
  }
}

describe('letting the event loop turn', () => {
  it('serves a waiting timer once promise-only work has held the thread for its budget', async () => {
    const turn = createEventLoopTurn(4);
    let stepsWhenTimerRan = -1;
    let steps = 0;
    setTimeout(() => (stepsWhenTimerRan = steps), 0);
    await promiseOnlyWork(40, async () => {
      await turn.maybeYield();
      steps += 1;
    });
    expect(stepsWhenTimerRan).toBeGreaterThan(0);
    expect(stepsWhenTimerRan).toBeLessThanOrEqual(10);
  });

  it('without it the same work runs to its end before the timer', async () => {
    let stepsWhenTimerRan = -1;
    let steps = 0;
    setTimeout(() => (stepsWhenTimerRan = steps), 0);
    await promiseOnlyWork(40, async () => void (steps += 1));
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(stepsWhenTimerRan).toBe(40);
  });

  it('never waits at the start of a turn, however long the hub was idle before', async () => {
    const turn = createEventLoopTurn(4);
    await turn.maybeYield();
    await new Promise((resolve) => setTimeout(resolve, 20));
    let otherRan = false;
    setImmediate(() => (otherRan = true));
    await turn.maybeYield();
    expect(otherRan).toBe(false);
  });

  it('does not wait within its budget', async () => {
    const turn = createEventLoopTurn(50);
    let otherRan = false;
    await turn.maybeYield();
    setImmediate(() => (otherRan = true));
    busy(2);
    await turn.maybeYield();
    expect(otherRan).toBe(false);
  });
});
