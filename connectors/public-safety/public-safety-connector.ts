import type { VerifiedEvent } from '../../adapters/messaging/signed-event.js';
import { chunkBySize } from '../../adapters/messaging/chunk-by-size.js';
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
  SIGNAL_BATCH_EVENT_MAX_BYTES,
  SIGNAL_BATCH_PURPOSE,
  type SchoolReportData,
  type SignalBatchData,
  type SignalStatusData,
  type SignalStatusesData,
} from '../../core/signal/signal-events.js';
import { codeOfIssue, type RejectedLineCode, valueAtPath } from '../../core/validation/rejected-line.js';
import { createConnector, type ConnectorBaseOptions } from '../shared/create-connector.js';
import { hubEnvelopes } from '../shared/hub-envelopes.js';
import { readJsonBody } from '../shared/json-body.js';
import {
  guidanceRequest,
  normalisedResidentId,
  reportAcknowledgementRequest,
  SIGNAL_BATCH_BODY_LIMIT,
  signalBatchRequest,
  signalIssue,
  signalRequest,
  type SignalRequest,
} from './signal-api.js';

/** What the hub tells a police bureau, for its system's inbox: its signals' status, and schools' reports. */
export function mapHubEventForPolice(event: VerifiedEvent) {
  const statusItem = (d: SignalStatusData) => ({
    kind: 'signal-status',
    payload: {
      sourceId: d.sourceId,
      signalId: d.signalId ?? null,
      status: d.status,
      actions: d.actions,
      at: d.at,
      ...(d.reason ? { reason: d.reason } : {}),
    },
  });
  if (event.type === SIGNAL_EVENT_TYPES.status) return statusItem(event.data as SignalStatusData);
  // A batch's statuses arrive in one event and become one inbox item each, as if sent one by one.
  if (event.type === SIGNAL_EVENT_TYPES.statuses) return (event.data as SignalStatusesData).statuses.map(statusItem);
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
 * A batch's signals in parts whose sealed numbers and notes, cheaply estimated, fit one event: JSON of 500 notes of
 * 2,000 Chinese characters is ~3 MB, a number and a short note ~100 bytes. The event is signed as base64url over the
 * envelope (itself base64url over the JSON) and the signals' list, so each JSON byte costs ~1.8 in the event. The
 * connector then measures each event and halves a part that is still too large.
 */
function sealablePartsOf<T extends { signal: unknown; secret: unknown }>(items: readonly T[]): T[][] {
  const jsonBytes = (item: T) => Buffer.byteLength(JSON.stringify(item.secret)) + Buffer.byteLength(JSON.stringify(item.signal)) + 2;
  return chunkBySize(items, Math.floor(SIGNAL_BATCH_EVENT_MAX_BYTES / 1.9), jsonBytes);
}

type SignedEvent = Awaited<ReturnType<typeof createSignedEvent>>;

/** A signal as a batch carries it: its line in clear, the child's number and the note for the batch's envelope. */
export const batchItemOf = (s: SignalRequest) => ({
  signal: {
    sourceId: s.sourceId,
    category: s.category,
    severity: s.severity,
    observedAt: s.observedAt,
    officer: s.officer,
    localId: s.child.localId,
  } satisfies SignalBatchData['signals'][number],
  secret: { residentId: normalisedResidentId(s), ...(s.note ? { note: s.note } : {}) },
});
type BatchItem = ReturnType<typeof batchItemOf>;

/** One batch event: the lines in clear, every number and note in one envelope sealed to the hub, signed by the bureau. */
export async function signalBatchEvent(
  signer: AgencySigner,
  sealer: { seal(plain: string, purpose: string): Promise<string> },
  part: readonly BatchItem[],
  time: Date,
): Promise<SignedEvent> {
  const sealed = await sealer.seal(JSON.stringify(part.map((a) => a.secret)), SIGNAL_BATCH_PURPOSE);
  return createSignedEvent({
    signer,
    type: SIGNAL_EVENT_TYPES.batchRaised,
    subject: part[0]!.signal.sourceId,
    recipient: HUB_AGENCY_ID,
    data: { signals: part.map((a) => a.signal), sealed } satisfies SignalBatchData,
    time,
    // Unkeyed: a batch keeps no order with any other (its signals are taken once by source id, and episodes go by
    // when a signal was observed), so the bus spreads a bureau's batches evenly over the hub's inbound partitions.
    // Keyed by its first source id, a backlog of 40 fell 22/9/9 over three, and the hub's workers idled while the
    // fullest partition drained.
    key: null,
  });
}

/**
 * The public-safety connector: a police system sends signals about minors (`POST /v1/signals`, or up to 500 at once
 * with `POST /v1/signals/batch`), guidance on a
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
  /** A part of a batch as signed events: one, or two halves' when the one would be too large for the bus. */
  const batchEvents = async (part: readonly BatchItem[]): Promise<SignedEvent[]> => {
    const event = await signalBatchEvent(options.signer, envelopes, part, options.clock.now());
    if (part.length === 1 || Buffer.byteLength(event.value) <= SIGNAL_BATCH_EVENT_MAX_BYTES) return [event];
    const half = Math.ceil(part.length / 2);
    return [...(await batchEvents(part.slice(0, half))), ...(await batchEvents(part.slice(half)))];
  };
  return createConnector({
    ...options,
    kind: 'public-safety',
    mapInbound: mapHubEventForPolice,
    largeBodies: { '/v1/signals/batch': SIGNAL_BATCH_BODY_LIMIT },
    routes(app) {
      app.post('/v1/signals/batch', async (c) => {
        const body = await readJsonBody(c, signalBatchRequest);
        if (!body.ok) return body.response;
        const now = options.clock.now();
        const rejected: Array<{ line: number; field: string; code: RejectedLineCode; reason: string }> = [];
        const accepted: BatchItem[] = [];
        body.value.signals.forEach((raw, i) => {
          const line = i + 1;
          const parsed = signalRequest.safeParse(raw);
          // The code and the reason name the rule and the field, never the value (it may be a resident identity number).
          if (!parsed.success) {
            const issue = parsed.error.issues[0];
            const field = issue?.path.join('.') ?? '';
            const code = codeOfIssue(issue, valueAtPath(raw, issue?.path ?? []));
            // A number that is there but not a number (too long, not text) is refused as one that does not check.
            return void rejected.push({
              line,
              field,
              code: field === 'child.residentId' && code !== 'REQUIRED' ? 'RESIDENT_ID_INVALID' : code,
              reason: issue?.message ?? 'not a signal',
            });
          }
          const s = parsed.data;
          const issue = signalIssue(s, now);
          if (issue) return void rejected.push({ line, ...issue });
          accepted.push(batchItemOf(s));
        });
        const events = (await Promise.all(sealablePartsOf(accepted).map(batchEvents))).flat();
        // Published once every part is sealed and signed: a part that cannot be made sends nothing.
        await options.bus.publish(TOPICS.hubInbound, events);
        const eventIds = events.map((e) => e.id);
        log.info({ eventIds, accepted: accepted.length, rejected: rejected.length }, 'signal batch sent to hub');
        return c.json({ accepted: accepted.length, rejected }, 202);
      });
      app.post('/v1/signals', async (c) => {
        const body = await readJsonBody(c, signalRequest);
        if (!body.ok) return body.response;
        const s = body.value;
        const now = options.clock.now();
        const issue = signalIssue(s, now);
        if (issue) return c.json(httpErrorBody('BAD_USER_INPUT', issue.reason, { field: issue.field }), 400);
        const eventId = await send(SIGNAL_EVENT_TYPES.raised, s.sourceId, {
          sourceId: s.sourceId,
          category: s.category,
          severity: s.severity,
          observedAt: s.observedAt,
          officer: s.officer,
          child: { identity: await envelopes.seal(normalisedResidentId(s), SIGNAL_IDENTITY_PURPOSE), localId: s.child.localId },
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
