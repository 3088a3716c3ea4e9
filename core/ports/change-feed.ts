import type { Transaction } from './unit-of-work.js';

/**
 * What changed, by id only: enough for a replica to re-read the record and push it to its subscribers through
 * the policy, nothing a listener on the store's channel could learn a child's data from.
 */
export interface ChangeNotice {
  topic: 'referral.changed' | 'referral.overdue';
  id: string;
}

export interface ChangeListener {
  notice(notice: ChangeNotice): void;
  /** The feed was cut (a store restart) and is back: notices in between may be lost, so re-read what is watched. */
  resumed(): void;
}

/**
 * Committed changes, told to every replica of the hub, this one included: what feeds GraphQL subscriptions, so a
 * client on replica A sees a change made through replica B.
 */
export interface ChangeFeed {
  /** Inside `tx`: the notice goes out when, and only if, the change commits. */
  announce(tx: Transaction, notice: ChangeNotice): Promise<void>;
  listen(listener: ChangeListener): Promise<{ close(): Promise<void> }>;
}
