import { randomUUID } from 'node:crypto';
import { CloudEvent } from 'cloudevents';
import { z } from 'zod';
import { InvalidSignatureError, MalformedEventError, WrongSignerError } from '../../core/errors.js';
import { EVENT_DATA_SCHEMAS, isEventType, type EventType } from '../../core/messages/event-types.js';
import type { OutgoingMessage } from '../../core/ports/event-bus.js';
import type { AgencyDirectory, AgencySigner } from '../../core/ports/keys.js';
import { verifyAgencyJws } from '../crypto/agency-keys.js';

/**
 * Careloop events are CloudEvents 1.0 in structured mode (the whole event is the Kafka value) whose `data` is a
 * compact JWS made by the producing agency. The signed payload repeats the envelope attributes that matter
 * (id, type, source, subject), so re-labelling a genuinely signed payload is caught as well as forging one.
 */
export const CLOUDEVENTS_CONTENT_TYPE = 'application/cloudevents+json';
const SOURCE_PREFIX = 'urn:careloop:agency:';

export function agencySource(agencyId: string): string {
  return `${SOURCE_PREFIX}${agencyId}`;
}

export interface VerifiedEvent<T = unknown> {
  id: string;
  type: EventType;
  /** The agency whose registered key signed the event. */
  agencyId: string;
  subject: string;
  time: string;
  correlationId: string | null;
  data: T;
}

const signedPayloadSchema = z.object({
  id: z.string(),
  type: z.string(),
  source: z.string(),
  subject: z.string(),
  time: z.string(),
  data: z.unknown(),
});

/** Builds and signs an event; the result is ready for `EventBus.publish`, keyed by the event's subject. */
export async function createSignedEvent(options: {
  signer: AgencySigner;
  type: EventType;
  subject: string;
  data: unknown;
  time: Date;
  correlationId?: string;
  id?: string;
}): Promise<OutgoingMessage & { id: string }> {
  const id = options.id ?? randomUUID();
  const source = agencySource(options.signer.agencyId);
  const time = options.time.toISOString();
  const jws = await options.signer.sign({ id, type: options.type, source, subject: options.subject, time, data: options.data });
  const event = new CloudEvent({
    specversion: '1.0',
    id,
    source,
    type: options.type,
    subject: options.subject,
    time,
    datacontenttype: 'application/jose',
    data: jws,
    ...(options.correlationId ? { correlationid: options.correlationId } : {}),
  });
  return {
    id,
    key: options.subject,
    value: JSON.stringify(event.toJSON()),
    headers: { 'content-type': CLOUDEVENTS_CONTENT_TYPE },
  };
}

/** What is safe to log about a message that failed before it could be trusted: no payload, ever. */
export function describeEnvelope(value: string): { id?: string; type?: string; source?: string } {
  try {
    const parsed = JSON.parse(value) as Record<string, unknown>;
    const pick = (k: string) => (typeof parsed[k] === 'string' ? (parsed[k] as string).slice(0, 200) : undefined);
    return { id: pick('id'), type: pick('type'), source: pick('source') };
  } catch {
    return {};
  }
}

/**
 * Parses, verifies and validates one event. Throws MALFORMED_EVENT, INVALID_SIGNATURE or WRONG_SIGNER, all
 * non-retriable: the same bytes will never verify, so the caller dead-letters them.
 */
export async function verifySignedEvent(value: string, directory: AgencyDirectory): Promise<VerifiedEvent> {
  let event: CloudEvent<unknown>;
  try {
    event = new CloudEvent(JSON.parse(value) as Record<string, unknown>, true);
  } catch (cause) {
    throw new MalformedEventError('The message is not a valid CloudEvents 1.0 event.', { cause });
  }
  if (!isEventType(event.type)) throw new MalformedEventError('Unknown event type.', { details: { type: event.type } });
  if (!event.source.startsWith(SOURCE_PREFIX)) throw new MalformedEventError('The event source is not a Careloop agency.');
  if (typeof event.data !== 'string') throw new InvalidSignatureError('The event data is not a compact JWS.');
  if (!event.subject || !event.time) throw new MalformedEventError('The event has no subject or time.');

  const agencyId = event.source.slice(SOURCE_PREFIX.length);
  const agency = await directory.find(agencyId);
  if (!agency) throw new WrongSignerError('The event claims to come from an agency the hub does not know.');

  const signed = signedPayloadSchema.safeParse(await verifyAgencyJws(event.data, agencyId, agency.publicKeys));
  if (!signed.success) throw new InvalidSignatureError('The signed payload has the wrong shape.');
  const p = signed.data;
  if (p.id !== event.id || p.type !== event.type || p.source !== event.source || p.subject !== event.subject || p.time !== event.time) {
    throw new InvalidSignatureError('The envelope does not match what was signed.');
  }

  const data = EVENT_DATA_SCHEMAS[event.type].safeParse(p.data);
  if (!data.success) {
    throw new MalformedEventError('The event data does not match its schema.', {
      details: { issues: data.error.issues.map((i) => ({ path: i.path.join('.'), code: i.code })) },
    });
  }
  const correlation = (event as unknown as Record<string, unknown>).correlationid;
  return {
    id: event.id,
    type: event.type,
    agencyId,
    subject: event.subject,
    time: event.time,
    correlationId: typeof correlation === 'string' ? correlation : null,
    data: data.data,
  };
}
