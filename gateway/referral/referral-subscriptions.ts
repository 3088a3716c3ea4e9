import type { Logger } from 'pino';
import type { ChangeFeed, ChangeNotice } from '../../core/ports/change-feed.js';
import type { ReferralStore } from '../../core/referral/referral-store.js';
import type { Referral } from '../../core/referral/referral.js';

type Listener = (referral: Referral) => void;

/**
 * GraphQL subscriptions fed from the change feed, so a change committed through any replica reaches the clients
 * of every replica. A notice carries only an id: the referral is re-read here, once per notice, and only when some
 * client of this replica watches it; each client's view is then decided by the policy per push. A subscription
 * starts listening the moment it is created (not at its first read), so no change between "subscribe" and "read
 * current state" can slip through.
 */
export function createReferralSubscriptions(options: { changes: ChangeFeed; referrals: Pick<ReferralStore, 'find'>; logger: Logger }) {
  const listeners = new Map<string, Set<Listener>>();
  const channelOf = (notice: ChangeNotice) => (notice.topic === 'referral.overdue' ? OVERDUE : `referral:${notice.id}`);
  const OVERDUE = 'overdue';
  const log = options.logger.child({ component: 'referral-subscriptions' });

  /** Pushes the referral's committed state to the listeners of `channel`; nothing is read when nobody listens. */
  const push = async (channel: string, referralId: string) => {
    if (!listeners.get(channel)?.size) return;
    const referral = await options.referrals.find(referralId);
    if (referral) for (const listener of listeners.get(channel) ?? []) listener(referral);
  };
  const deliver = (channel: string, referralId: string) =>
    void push(channel, referralId).catch((err: unknown) => log.warn({ err }, 'a subscription push could not read its referral'));

  const start = () =>
    options.changes.listen({
      notice: (notice) => deliver(channelOf(notice), notice.id),
      // Changes made while the feed was cut are unknown: every watched referral is pushed as it stands now.
      // (Overdue pushes are not replayed; a bureau's list query shows what is overdue.)
      resumed: () => {
        for (const channel of listeners.keys()) if (channel !== OVERDUE) deliver(channel, channel.slice('referral:'.length));
      },
    });

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

  return { start, subscribe, subscribeOverdue };
}

export type ReferralSubscriptions = ReturnType<typeof createReferralSubscriptions>;
