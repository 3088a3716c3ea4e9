import type { EventType } from '../messages/event-types.js';

/**
 * An event the hub is to send, as the domain decides it inside a change's transaction. It is queued unsigned:
 * the outbox relay signs it after the transaction has committed, so no signature is ever computed while a
 * transaction holds the store (the embedded store has a single connection), and a rolled-back change is never
 * signed at all. Its id and time are fixed here: the id makes redelivery a no-op, the time is when it happened.
 */
export interface EventDraft {
  id: string;
  type: EventType;
  subject: string;
  /**
   * The bus's partition key when it is not the subject: events that must stay in order although they are about
   * different subjects share one (a batch's statuses and a later status of one of its signals).
   */
  key?: string;
  /** The one agency this event is for. */
  recipient: string;
  data: unknown;
  time: Date;
  correlationId?: string;
}
