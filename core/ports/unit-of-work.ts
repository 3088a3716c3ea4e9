import type { OutgoingMessage } from './event-bus.js';

/**
 * An open transaction, opaque to the domain. Each capability's store port takes it, so that a referral change,
 * its audit line, its outgoing events and its dedup mark commit together although they live in different stores.
 */
export interface Transaction {
  readonly __transaction: unique symbol;
}

/** What every capability writes inside its transactions: dedup marks and the transactional outbox. */
export interface UnitOfWork {
  withTransaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T>;
  /** Marks an incoming event as applied by `consumer`; false if it already was (at-least-once delivery). */
  claimEvent(tx: Transaction, consumer: string, eventId: string): Promise<boolean>;
  /** Queues a message for the outbox relay; it is published only if the transaction commits. */
  enqueueOutgoing(tx: Transaction, topic: string, message: OutgoingMessage): Promise<void>;
  /** Forgets which bus events were applied before `at` (retention: older events are refused as stale anyway). */
  purgeProcessedEventsBefore(at: Date): Promise<number>;
}

/** Where the outbox relay takes queued messages from. */
export interface OutboxStore {
  /** Hands up to `limit` queued messages, oldest first, to `publish` and forgets them once it resolves. */
  takeBatch(limit: number, publish: (batch: Array<{ topic: string; message: OutgoingMessage }>) => Promise<void>): Promise<number>;
}
