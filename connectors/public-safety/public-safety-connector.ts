import type { VerifiedEvent } from '../../adapters/messaging/signed-event.js';
import { createSignedEvent } from '../../adapters/messaging/signed-event.js';
import { HUB_AGENCY_ID } from '../../core/development-seed.js';
import { httpErrorBody } from '../../core/errors.js';
import type { EventType } from '../../core/messages/event-types.js';
import { TOPICS } from '../../core/messages/topics.js';
import type { AgencySigner } from '../../core/ports/keys.js';
import {
  SIGNAL_EVENT_TYPES,
  SIGNAL_IDENTITY_PURPOSE,
  SIGNAL_NOTE_PURPOSE,
  type SchoolReportData,
  type SignalStatusData,
} from '../../core/signal/signal-events.js';
import { createConnector, type ConnectorBaseOptions } from '../shared/create-connector.js';
import { hubEnvelopes } from '../shared/hub-envelopes.js';
import { readJsonBody } from '../shared/json-body.js';
import { guidanceRequest, reportAcknowledgementRequest, residentIdIssue, signalRequest } from './signal-api.js';

/** What the hub tells a police bureau, for its system's inbox: its signals' status, and schools' reports. */
export function mapHubEventForPolice(event: VerifiedEvent) {
  if (event.type === SIGNAL_EVENT_TYPES.status) {
    const d = event.data as SignalStatusData;
    return {
      kind: 'signal-status',
      payload: {
        sourceId: d.sourceId,
        signalId: d.signalId ?? null,
        status: d.status,
        actions: d.actions,
        at: d.at,
        ...(d.reason ? { reason: d.reason } : {}),
      },
    };
  }
  if (event.type === SIGNAL_EVENT_TYPES.schoolReport) {
    const d = event.data as SchoolReportData;
    return {
      kind: 'school-report',
      payload: { reportId: d.reportId, schoolAgencyId: d.schoolAgencyId, subjectId: d.subjectId, kind: d.kind, summary: d.summary, reportedAt: d.reportedAt },
    };
  }
  return null;
}

/**
 * The public-safety connector: a police system sends signals about minors (`POST /v1/signals`), guidance on a
 * school's intervention (`POST /v1/signals/guidance`) and acknowledgements of schools' reports
 * (`POST /v1/school-reports/acknowledge`); each leaves signed with the bureau's key, the child's number and the
 * note sealed to the hub. Status of its signals and schools' reports arrive in its inbox.
 */
export function createPublicSafetyConnector(options: ConnectorBaseOptions & { signer: AgencySigner }) {
  const log = options.logger.child({ connector: 'public-safety', agencyId: options.agencyId });
  const envelopes = hubEnvelopes(options.directory);
  const send = async (type: EventType, subject: string, data: unknown) => {
    const event = await createSignedEvent({ signer: options.signer, type, subject, recipient: HUB_AGENCY_ID, data, time: options.clock.now() });
    await options.bus.publish(TOPICS.hubInbound, [event]);
    return event.id;
  };
  return createConnector({
    ...options,
    kind: 'public-safety',
    mapInbound: mapHubEventForPolice,
    routes(app) {
      app.post('/v1/signals', async (c) => {
        const body = await readJsonBody(c, signalRequest);
        if (!body.ok) return body.response;
        const s = body.value;
        const now = options.clock.now();
        const problem = residentIdIssue(s.child.residentId, now.toISOString().slice(0, 10));
        if (problem) return c.json(httpErrorBody('BAD_USER_INPUT', problem, { field: 'child.residentId' }), 400);
        // The hub allows five minutes of clock difference; a signal from further ahead would only be dead-lettered.
        if (new Date(s.observedAt).getTime() > now.getTime() + 5 * 60_000)
          return c.json(httpErrorBody('BAD_USER_INPUT', 'observedAt lies in the future', { field: 'observedAt' }), 400);
        const eventId = await send(SIGNAL_EVENT_TYPES.raised, s.sourceId, {
          sourceId: s.sourceId,
          category: s.category,
          severity: s.severity,
          observedAt: s.observedAt,
          officer: s.officer,
          child: { identity: await envelopes.seal(s.child.residentId.trim().toUpperCase(), SIGNAL_IDENTITY_PURPOSE), localId: s.child.localId },
          ...(s.note ? { note: await envelopes.seal(s.note, SIGNAL_NOTE_PURPOSE) } : {}),
        });
        // The bureau's own case reference is a value it sent: the event's id is what the log may carry.
        log.info({ eventId, category: s.category, severity: s.severity }, 'signal sent to hub');
        return c.json({ sourceId: s.sourceId, accepted: true }, 202);
      });
      app.post('/v1/signals/guidance', async (c) => {
        const body = await readJsonBody(c, guidanceRequest);
        if (!body.ok) return body.response;
        await send(SIGNAL_EVENT_TYPES.guidance, body.value.sourceId, body.value);
        return c.json({ sourceId: body.value.sourceId, accepted: true }, 202);
      });
      app.post('/v1/school-reports/acknowledge', async (c) => {
        const body = await readJsonBody(c, reportAcknowledgementRequest);
        if (!body.ok) return body.response;
        await send(SIGNAL_EVENT_TYPES.reportAcknowledged, body.value.reportId, body.value);
        return c.json({ reportId: body.value.reportId, accepted: true }, 202);
      });
    },
  });
}
