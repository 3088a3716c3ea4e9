import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../core/clock.js';
import type { Referral } from '../../core/referral/referral.js';
import { visibleWhileValid } from './referral-resolvers.js';

/** A change stream that stays quiet, as a referral that does not change: it only ends when returned. */
function quietSource() {
  let ended = false;
  let wake: () => void = () => undefined;
  const source: AsyncIterableIterator<Referral> = {
    next: () => new Promise((resolve) => (wake = () => resolve({ value: undefined, done: true }))),
    async return() {
      ended = true;
      wake();
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]: () => source,
  };
  return { source, ended: () => ended };
}

describe('a referral subscription', () => {
  it('lets go of its listener and its expiry timer at once when the client goes away while nothing changes', async () => {
    const clock = createManualClock(new Date('2026-11-23T08:00:00Z'));
    const ctx = {
      clock,
      tokenExpiresAt: new Date(clock.now().getTime() + 3_600_000),
      referral: { reader: { showReferral: async (r: Referral) => r } },
    } as unknown as Parameters<typeof visibleWhileValid>[0];
    const { source, ended } = quietSource();
    const timersBefore = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const stream = visibleWhileValid(ctx, source, 'referralStatusChanged', async () => ({ id: 'r-1' }));
    expect(await stream.next()).toEqual({ value: { referralStatusChanged: { id: 'r-1' } }, done: false });
    // The client's next read waits on a referral that never changes; then it goes away.
    const waiting = stream.next();
    let timer: NodeJS.Timeout | undefined;
    const closed = await Promise.race([stream.return!().then(() => 'returned'), new Promise((r) => (timer = setTimeout(() => r('still waiting'), 1_000)))]);
    clearTimeout(timer);
    expect(closed).toBe('returned');
    expect(await waiting).toEqual({ value: undefined, done: true });
    expect(ended()).toBe(true);
    expect(process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length).toBe(timersBefore);
  });
});
