import type { Logger } from 'pino';
import { isCareloopError } from '../../core/errors.js';
import { TOPICS } from '../../core/messages/topics.js';
import type { EventBus, IncomingMessage, MessageHandler } from '../../core/ports/event-bus.js';
import type { AgencyDirectory } from '../../core/ports/keys.js';
import { describeEnvelope, verifySignedEvent, type VerifiedEvent } from './signed-event.js';

export interface VerifiedHandlerOptions {
  /** Names the consumer in logs and dead-letter records, e.g. `hub.ledger-projector`. */
  consumer: string;
  directory: AgencyDirectory;
  bus: EventBus;
  logger: Logger;
  /** Acts on an event whose signature and schema have been checked. */
  handle: (event: VerifiedEvent, message: IncomingMessage) => Promise<void>;
  /** Attempts for errors that might pass on retry (a store hiccup) before the message is dead-lettered. */
  maxAttempts?: number;
  backoffMs?: number;
  now?: () => Date;
}

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
 * Resolves once the message is either applied or dead-lettered, so the bus may move on; nothing is dropped.
 */
export function createVerifiedHandler(options: VerifiedHandlerOptions): MessageHandler {
  const maxAttempts = options.maxAttempts ?? 5;
  const backoffMs = options.backoffMs ?? 100;
  const now = options.now ?? (() => new Date());
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
        await options.handle(event, message);
        log.info(
          { topic: message.topic, offset: message.offset, eventId: event.id, type: event.type, from: event.agencyId, correlationId: event.correlationId },
          'message applied',
        );
        return;
      } catch (error) {
        if (isCareloopError(error) && !error.retriable) {
          await deadLetter(message, error.code, error.message);
          return;
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
