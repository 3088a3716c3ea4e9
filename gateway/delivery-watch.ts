import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import type { DeadLetter } from '../adapters/messaging/verified-handler.js';
import type { SqlClient } from '../adapters/store/sql-client.js';
import { TOPICS } from '../core/messages/topics.js';
import type { EventBus, Subscription } from '../core/ports/event-bus.js';

const AGENCY_TOPIC = /^careloop\.agency\.([a-z0-9-]+)$/;
const REASON = /^[A-Z_]{1,40}$/;

/**
 * Watches the dead-letter topic for events the hub sent that an agency's connector refused, so an undelivered
 * referral shows on the referral (`deliveryProblems`) and in the `careloop_undelivered_events_total` metric
 * instead of sitting as SENT while the hospital never hears of it.
 */
export async function startDeliveryWatch(options: {
  bus: EventBus;
  sql: SqlClient;
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
      const inserted = await options.sql.query(
        `INSERT INTO delivery_problems (event_id, referral_id, recipient_agency_id, reason, at)
         SELECT $1, r.id, $3, $4, $5 FROM referrals r WHERE r.id = $2 ON CONFLICT DO NOTHING RETURNING event_id`,
        [eventId ?? `${message.offset}`, letter.originalKey, recipient, reason, new Date(letter.failedAt || Date.now())],
      );
      if (inserted.length > 0) {
        undelivered.inc({ reason });
        log.warn({ recipient, reason, eventId }, 'an event the hub sent was refused by its recipient');
      }
    },
  });
}
