import { createSignedEvent } from '../../adapters/messaging/signed-event.js';
import { HUB_AGENCY_ID } from '../../core/development-seed.js';
import { clientCorrelationId } from '../../core/correlation-id.js';
import { httpErrorBody } from '../../core/errors.js';
import { identifier } from '../../core/safe-text.js';
import { EVENT_TYPES } from '../../core/messages/event-types.js';
import { TOPICS } from '../../core/messages/topics.js';
import type { AgencySigner } from '../../core/ports/keys.js';
import { createConnector, type ConnectorBaseOptions } from '../shared/create-connector.js';
import { hospitalDecisionBody, mapHubEventForHospital, toDecisionEventData } from './hospital-mapping.js';

/**
 * The hospital connector: offers referrals addressed to its hospital to the hospital's system, and sends the
 * hospital's decisions to the hub as events signed with the hospital's key.
 */
export function createHospitalConnector(options: ConnectorBaseOptions & { signer: AgencySigner }) {
  return createConnector({
    ...options,
    kind: 'hospital',
    mapInbound: mapHubEventForHospital,
    routes(app) {
      app.post('/v1/referrals/:id/decision', async (c) => {
        const body = hospitalDecisionBody.safeParse(await c.req.json().catch(() => null));
        if (!body.success) {
          const issue = body.error.issues[0];
          return c.json(httpErrorBody('BAD_USER_INPUT', issue?.message ?? 'invalid decision', { field: issue?.path.join('.') }), 400);
        }
        const referralId = c.req.param('id');
        if (!identifier.safeParse(referralId).success) return c.json(httpErrorBody('BAD_USER_INPUT', 'Not a referral id.', { field: 'id' }), 400);
        const correlationId = clientCorrelationId(c.req.header('x-correlation-id')) ?? (await options.inbox.correlationIdOf(referralId)) ?? undefined;
        const now = options.clock.now();
        const event = await createSignedEvent({
          signer: options.signer,
          type: EVENT_TYPES.referralDecision,
          subject: referralId,
          recipient: HUB_AGENCY_ID,
          // The recorded actor is the system that proved itself here plus the person it names, never the body alone.
          data: toDecisionEventData(referralId, body.data, c.get('caller').credential, now),
          time: now,
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
