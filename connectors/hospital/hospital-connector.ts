import type { Logger } from 'pino';
import { createSignedEvent } from '../../adapters/messaging/signed-event.js';
import type { Clock } from '../../core/clock.js';
import { EVENT_TYPES } from '../../core/messages/event-types.js';
import { TOPICS } from '../../core/messages/topics.js';
import type { EventBus } from '../../core/ports/event-bus.js';
import type { AgencyDirectory, AgencySigner } from '../../core/ports/keys.js';
import type { ConnectorInbox } from '../shared/connector-inbox.js';
import { createConnector } from '../shared/create-connector.js';
import { hospitalDecisionBody, mapHubEventForHospital, toDecisionEventData } from './hospital-mapping.js';

/**
 * The hospital connector: offers referrals addressed to its hospital to the hospital's system, and sends the
 * hospital's decisions to the hub as events signed with the hospital's key.
 */
export function createHospitalConnector(options: {
  agencyId: string;
  bus: EventBus;
  directory: AgencyDirectory;
  inbox: ConnectorInbox;
  signer: AgencySigner;
  clock: Clock;
  logger: Logger;
  apiToken?: string;
}) {
  return createConnector({
    ...options,
    kind: 'hospital',
    mapInbound: mapHubEventForHospital,
    routes(app) {
      app.post('/v1/referrals/:id/decision', async (c) => {
        const body = hospitalDecisionBody.safeParse(await c.req.json().catch(() => null));
        if (!body.success) {
          const issue = body.error.issues[0];
          return c.json({ error: { code: 'BAD_USER_INPUT', message: issue?.message ?? 'invalid decision', field: issue?.path.join('.') } }, 400);
        }
        const referralId = c.req.param('id');
        const correlationId = c.req.header('x-correlation-id') ?? (await options.inbox.correlationIdOf(referralId)) ?? undefined;
        const event = await createSignedEvent({
          signer: options.signer,
          type: EVENT_TYPES.referralDecision,
          subject: referralId,
          data: toDecisionEventData(referralId, body.data, options.clock.now()),
          time: options.clock.now(),
          correlationId,
        });
        await options.bus.publish(TOPICS.hubInbound, [event]);
        options.logger.info({ connector: 'hospital', eventId: event.id, correlationId }, 'decision sent to hub');
        // Accepted for delivery: the hub applies it asynchronously and the inbox reports the resulting state.
        return c.json({ eventId: event.id }, 202);
      });
    },
  });
}
