import type { Logger } from 'pino';
import type { Clock } from '../../core/clock.js';
import { isCareloopError, ReplayedEventError, StaleEventError, WrongRecipientError } from '../../core/errors.js';
import type { RefusedEvents } from '../../core/ports/refused-events.js';
import { TOPICS } from '../../core/messages/topics.js';
import type { EventBus, IncomingMessage, MessageHandler } from '../../core/ports/event-bus.js';
import type { AgencyDirectory } from '../../core/ports/keys.js';
import { describeEnvelope, verifySignedEvent, type VerifiedEvent } from './signed-event.js';

export interface VerifiedHandlerOptions {
  /** Names the consumer in logs and dead-letter records, e.g. `hub.ledger-projector`. */
  consumer: string;
  /** The agency this consumer acts for: an event signed for any other recipient is refused. */
  recipient: string;
  directory: AgencyDirectory;
  clock: Clock;
  /** How far an event's signed time may lie from now, either way, before it is refused as stale. */
  freshnessWindowMs?: number;
  refusals: RefusedEvents;
  bus: EventBus;
  logger: Logger;
  /** Acts on an event whose signature and schema have been checked. */
  handle: (event: VerifiedEvent, message: IncomingMessage) => Promise<void>;
  /** Attempts for errors that might pass on retry (a store hiccup) before the message is dead-lettered. */
  maxAttempts?: number;
  backoffMs?: number;
}

/** Default freshness window: a day covers a connector that was down overnight; older events are refused. */
export const DEFAULT_FRESHNESS_WINDOW_MS = 24 * 3600_000;

/** The record written to the dead-letter topic: the original bytes, untouched, and why they were refused. */
export interface DeadLetter {
  reason: string;
  message: string;
  consumer: string;
  originalTopic: string;
  originalOffset: string;
  originalKey: string | null;
  originalValue: string;
  failedAt: string;
}

/**
 * Wraps a domain handler with what every consumer must do: verify before acting, dead-letter poison (bad
 * signature, bad schema, a refused action) with its reason, retry what may pass later, and log without payload.
 * Resolves once the message is either applied or dead-lettered, so the bus may move on; nothing is dropped. The one
 * exception is an unavailable store: then it rejects, and the bus redelivers the same message until it applies.
 */
export function createVerifiedHandler(options: VerifiedHandlerOptions): MessageHandler {
  const maxAttempts = options.maxAttempts ?? 5;
  const backoffMs = options.backoffMs ?? 100;
  const windowMs = options.freshnessWindowMs ?? DEFAULT_FRESHNESS_WINDOW_MS;
  const now = () => options.clock.now();

  /** Checks that need the verified content: addressed to us, and dated within the window. */
  const checkBinding = (event: VerifiedEvent) => {
    if (event.recipient !== options.recipient) throw new WrongRecipientError('The event is addressed to another agency.');
    const age = now().getTime() - Date.parse(event.time);
    if (!(Math.abs(age) <= windowMs)) throw new StaleEventError('The event time is outside the freshness window.');
  };
  const log = options.logger.child({ consumer: options.consumer });

  const deadLetter = async (message: IncomingMessage, reason: string, text: string) => {
    const record: DeadLetter = {
      reason,
      message: text,
      consumer: options.consumer,
      originalTopic: message.topic,
      originalOffset: message.offset,
      originalKey: message.key,
      originalValue: message.value,
      failedAt: now().toISOString(),
    };
    await options.bus.publish(TOPICS.deadLetter, [{ key: message.key ?? 'none', value: JSON.stringify(record), headers: { 'careloop-reason': reason } }]);
    log.warn({ topic: message.topic, offset: message.offset, reason, envelope: describeEnvelope(message.value) }, 'message dead-lettered');
  };

  return async (message) => {
    for (let attempt = 1; ; attempt++) {
      let event: VerifiedEvent | null = null;
      try {
        event = await verifySignedEvent(message.value, options.directory);
        // By the signed id: only ids whose signature verified are ever remembered (see below).
        if (await options.refusals.wasRefused(options.consumer, event.id)) throw new ReplayedEventError();
        checkBinding(event);
        await options.handle(event, message);
        log.info(
          { topic: message.topic, offset: message.offset, eventId: event.id, type: event.type, from: event.agencyId, correlationId: event.correlationId },
          'message applied',
        );
        return;
      } catch (error) {
        if (isCareloopError(error) && !error.retriable) {
          // Only an id whose signature verified is remembered: a forger who copies a genuine id onto garbage
          // must not get the genuine event refused when it arrives.
          if (event && error.code !== 'REPLAYED_EVENT') await options.refusals.remember(options.consumer, event.id, error.code, now());
          await deadLetter(message, error.code, error.message);
          return;
        }
        if (attempt >= maxAttempts && isCareloopError(error) && error.retriable) {
          // The store is away (a restart, a failover), which is no fault of the message: dead-lettering it would
          // lose a good event and the order behind it. Throwing hands it back to the bus, which redelivers it, and
          // holds everything after it, until the store answers again.
          log.warn({ code: error.code, topic: message.topic, offset: message.offset, attempt }, 'store unavailable; the bus will redeliver');
          throw error;
        }
        if (attempt >= maxAttempts) {
          log.error({ err: error, topic: message.topic, offset: message.offset, attempt }, 'giving up on message');
          await deadLetter(message, 'RETRIES_EXHAUSTED', error instanceof Error ? error.message : 'unknown error');
          return;
        }
        log.warn({ err: error, topic: message.topic, offset: message.offset, attempt, eventId: event?.id }, 'message failed, retrying');
        await new Promise((r) => setTimeout(r, backoffMs * 2 ** (attempt - 1)));
      }
    }
  };
}
