import type { Logger } from 'pino';
import type { Clock } from '../core/clock.js';
import { HUB_AGENCY_ID } from '../core/development-seed.js';
import type { RefusedEvents } from '../core/ports/refused-events.js';
import { createVerifiedHandler } from '../adapters/messaging/verified-handler.js';
import { MalformedEventError, WrongSignerError } from '../core/errors.js';
import { EVENT_TYPES, type ReferralDecisionData } from '../core/messages/event-types.js';
import { TOPICS } from '../core/messages/topics.js';
import type { EventBus, Subscription } from '../core/ports/event-bus.js';
import type { LedgerStore } from '../core/ports/ledger-store.js';
import type { Principal } from '../core/ports/policy-engine.js';
import type { ReferralService } from '../core/referral/referral-service.js';

/**
 * Keeps the ledger current from what agencies send over the bus. An event acts with the authority of the agency
 * whose key signed it (role `system`), and goes through the same policy and state machine as a person would.
 */
export async function startLedgerProjector(options: {
  bus: EventBus;
  store: LedgerStore;
  referrals: ReferralService;
  refusals: RefusedEvents;
  clock: Clock;
  freshnessWindowMs?: number;
  logger: Logger;
  groupId?: string;
}): Promise<Subscription> {
  const handler = createVerifiedHandler({
    consumer: 'hub.ledger-projector',
    recipient: HUB_AGENCY_ID,
    clock: options.clock,
    freshnessWindowMs: options.freshnessWindowMs,
    refusals: options.refusals,
    directory: options.store.agencies,
    bus: options.bus,
    logger: options.logger,
    async handle(event) {
      if (event.type !== EVENT_TYPES.referralDecision) throw new MalformedEventError('Only referral decisions are accepted on the hub inbound topic.');
      const data = event.data as ReferralDecisionData;
      if (data.referralId !== event.subject) throw new MalformedEventError('The event subject and the referral id differ.');
      const agency = await options.store.agencies.find(event.agencyId);
      if (!agency || agency.type === 'hub') throw new WrongSignerError('The hub does not take decisions from itself.');
      const principal: Principal = { agencyId: agency.id, agencyType: agency.type, role: 'system', userId: data.decidedBy };
      const ctx = { eventId: event.id, correlationId: event.correlationId ?? undefined, actorSystem: data.decidedVia };
      if (data.decision === 'ACCEPT') await options.referrals.accept(principal, data.referralId, ctx);
      else await options.referrals.decline(principal, data.referralId, data.reason ?? '', ctx);
    },
  });
  return options.bus.subscribe({ groupId: options.groupId ?? 'careloop-hub-ledger', topics: [TOPICS.hubInbound], handler });
}
