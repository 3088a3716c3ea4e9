import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import type { DeadLetter } from '../../adapters/messaging/verified-handler.js';
import { TOPICS } from '../../core/messages/topics.js';
import type { EventBus, Subscription } from '../../core/ports/event-bus.js';
import type { ReferralStore } from '../../core/referral/referral-store.js';

const AGENCY_TOPIC = /^careloop\.agency\.([a-z0-9-]+)$/;
const REASON = /^[A-Z_]{1,40}$/;

/**
 * Watches the dead-letter topic for events the hub sent that an agency's connector refused, so an undelivered
 * referral shows on the referral (`deliveryProblems`) and in the `careloop_undelivered_events_total` metric
 * instead of sitting as SENT while the hospital never hears of it.
 */
export async function startDeliveryWatch(options: {
  bus: EventBus;
  store: Pick<ReferralStore, 'recordDeliveryProblem'>;
  registry: Registry;
  logger: Logger;
  groupId?: string;
}): Promise<Subscription> {
  const undelivered = new Counter({
    name: 'careloop_undelivered_events_total',
    help: 'Events the hub sent that a recipient refused.',
    labelNames: ['reason'],
    registers: [options.registry],
  });
  const log = options.logger.child({ component: 'delivery-watch' });
  return options.bus.subscribe({
    groupId: options.groupId ?? 'careloop-hub-delivery-watch',
    topics: [TOPICS.deadLetter],
    handler: async (message) => {
      let letter: DeadLetter;
      try {
        letter = JSON.parse(message.value) as DeadLetter;
      } catch {
        return;
      }
      const recipient = AGENCY_TOPIC.exec(String(letter.originalTopic))?.[1];
      if (!recipient || !letter.originalKey) return;
      let eventId: string | null = null;
      try {
        const id = (JSON.parse(letter.originalValue) as { id?: unknown }).id;
        eventId = typeof id === 'string' ? id.slice(0, 200) : null;
      } catch {
        eventId = null;
      }
      const reason = REASON.test(String(letter.reason)) ? letter.reason : 'UNKNOWN';
      const recorded = await options.store.recordDeliveryProblem({
        eventId: eventId ?? `offset:${message.offset}`,
        referralId: letter.originalKey,
        recipientAgencyId: recipient,
        reason,
        at: new Date(letter.failedAt || Date.now()),
      });
      if (recorded) {
        undelivered.inc({ reason });
        log.warn({ recipient, reason, eventId }, 'an event the hub sent was refused by its recipient');
      }
    },
  });
}
