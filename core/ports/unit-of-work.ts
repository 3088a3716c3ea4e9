import type { OutgoingMessage } from './event-bus.js';
import type { EventDraft } from './event-draft.js';

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
  /** Queues an event for the outbox relay, unsigned; it is signed and published only if the transaction commits. */
  enqueueEvent(tx: Transaction, topic: string, draft: EventDraft): Promise<void>;
  /** Queues several events in one write, in the order given (a batch's notices and statuses). */
  enqueueEvents(tx: Transaction, events: readonly { topic: string; draft: EventDraft }[]): Promise<void>;
  /** Forgets which bus events were applied before `at` (retention: older events are refused as stale anyway). */
  purgeProcessedEventsBefore(at: Date): Promise<number>;
}

/**
 * One queued item: a draft the relay signs, or (rows queued before drafts existed) a message signed when it was
 * queued, published as it is.
 */
export type OutboxItem = { topic: string; draft: EventDraft } | { topic: string; message: OutgoingMessage };

/** Where the outbox relay takes queued messages from. */
export interface OutboxStore {
  /**
   * Hands up to `limit` queued items, oldest first, to `publish` and forgets them once it resolves; how many. Fewer
   * than `limit`: the outbox held no more when it was read.
   */
  takeBatch(limit: number, publish: (batch: OutboxItem[]) => Promise<void>): Promise<number>;
}
