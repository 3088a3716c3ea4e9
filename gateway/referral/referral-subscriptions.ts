import type { ReferralNotifier } from '../../core/referral/referral-notifier.js';
import type { Referral } from '../../core/referral/referral.js';

type Listener = (referral: Referral) => void;

/**
 * In-process fan-out of committed referral changes to GraphQL subscriptions. A subscription starts listening
 * the moment it is created (not at its first read), so no change between "subscribe" and "read current
 * state" can slip through.
 */
export function createReferralSubscriptions() {
  const listeners = new Map<string, Set<Listener>>();
  const OVERDUE = 'overdue';

  const notifier: ReferralNotifier = {
    referralChanged(referral) {
      for (const listener of listeners.get(`referral:${referral.id}`) ?? []) listener(referral);
    },
    referralOverdue(referral) {
      for (const listener of listeners.get(OVERDUE) ?? []) listener(referral);
    },
  };

  /** Changes of one referral. */
  const subscribe = (referralId: string) => listen(`referral:${referralId}`);
  /** Every referral a deadline just passed on (the caller's view is decided per push). */
  const subscribeOverdue = () => listen(OVERDUE);

  function listen(channel: string): AsyncIterableIterator<Referral> {
    const queue: Referral[] = [];
    let wake: (() => void) | null = null;
    let closed = false;
    const listener: Listener = (referral) => {
      queue.push(referral);
      wake?.();
    };
    const set = listeners.get(channel) ?? new Set<Listener>();
    set.add(listener);
    listeners.set(channel, set);
    const close = () => {
      closed = true;
      set.delete(listener);
      if (set.size === 0) listeners.delete(channel);
      wake?.();
    };
    const iterator: AsyncIterableIterator<Referral> = {
      async next() {
        while (queue.length === 0 && !closed) await new Promise<void>((resolve) => (wake = resolve));
        wake = null;
        const value = queue.shift();
        return value ? { value, done: false } : { value: undefined, done: true };
      },
      async return() {
        close();
        return { value: undefined, done: true };
      },
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    return iterator;
  }

  return { notifier, subscribe, subscribeOverdue };
}

export type ReferralSubscriptions = ReturnType<typeof createReferralSubscriptions>;
