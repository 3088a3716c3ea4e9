import { randomUUID } from 'node:crypto';
import { CloudEvent } from 'cloudevents';
import { z } from 'zod';
import { InvalidSignatureError, MalformedEventError, WrongSignerError } from '../../core/errors.js';
import { EVENT_DATA_SCHEMAS, isEventType, type EventType } from '../../core/messages/event-types.js';
import type { OutgoingMessage } from '../../core/ports/event-bus.js';
import type { EventDraft } from '../../core/ports/event-draft.js';
import type { AgencyDirectory, AgencySigner } from '../../core/ports/keys.js';
import { verifyAgencyJws } from '../crypto/agency-keys.js';

/**
 * Careloop events are CloudEvents 1.0 in structured mode (the whole event is the Kafka value) whose `data` is a
 * compact JWS made by the producing agency. The signed payload holds every envelope attribute (id, type, source,
 * subject, time, datacontenttype, the `recipient` agency, the `correlationid`) and the data, and a verified event
 * has no attribute that was not signed: re-labelling, re-addressing or re-dating a genuinely signed payload is
 * caught as surely as forging one.
 */
export const CLOUDEVENTS_CONTENT_TYPE = 'application/cloudevents+json';
const SOURCE_PREFIX = 'urn:careloop:agency:';
const DATA_CONTENT_TYPE = 'application/jose';

export function agencySource(agencyId: string): string {
  return `${SOURCE_PREFIX}${agencyId}`;
}

export interface VerifiedEvent<T = unknown> {
  id: string;
  type: EventType;
  /** The agency whose registered key signed the event. */
  agencyId: string;
  /** The agency the event is addressed to, as signed. */
  recipient: string;
  subject: string;
  time: string;
  correlationId: string | null;
  data: T;
}

const signedPayloadSchema = z
  .object({
    specversion: z.literal('1.0'),
    id: z.string().min(1),
    type: z.string(),
    source: z.string(),
    subject: z.string().min(1),
    time: z.string(),
    datacontenttype: z.literal(DATA_CONTENT_TYPE),
    recipient: z.string().min(1),
    correlationid: z.string().optional(),
    data: z.unknown(),
  })
  .strict();

/** Builds and signs an event; the result is ready for `EventBus.publish`, keyed by the event's subject unless told. */
export async function createSignedEvent(
  options: Omit<EventDraft, 'id' | 'key'> & {
    /** The partition key when it is not the subject; null for an event that keeps no order with any other. */
    key?: string | null;
    signer: AgencySigner;
    /** Generated when omitted. */
    id?: string;
  },
): Promise<OutgoingMessage & { id: string }> {
  const attributes = {
    specversion: '1.0' as const,
    id: options.id ?? randomUUID(),
    source: agencySource(options.signer.agencyId),
    type: options.type,
    subject: options.subject,
    time: options.time.toISOString(),
    datacontenttype: DATA_CONTENT_TYPE,
    recipient: options.recipient,
    ...(options.correlationId ? { correlationid: options.correlationId } : {}),
  };
  const jws = await options.signer.sign({ ...attributes, data: options.data });
  const event = new CloudEvent({ ...attributes, data: jws });
  return {
    id: attributes.id,
    key: options.key === undefined ? options.subject : options.key,
    value: JSON.stringify(event.toJSON()),
    headers: { 'content-type': CLOUDEVENTS_CONTENT_TYPE },
  };
}

/** What is safe to log about a message that failed before it could be trusted: no payload, ever. */
export function describeEnvelope(value: string): { id?: string; type?: string; source?: string } {
  try {
    const parsed = JSON.parse(value) as Record<string, unknown>;
    const pick = (k: string) => (typeof parsed[k] === 'string' && /^[\w.:/-]{1,200}$/.test(parsed[k]) ? parsed[k] : undefined);
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
  let envelope: Record<string, unknown>;
  let event: CloudEvent<unknown>;
  try {
    envelope = JSON.parse(value) as Record<string, unknown>;
    event = new CloudEvent(envelope, true);
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
  const { data: signedData, ...signedAttributes } = signed.data;
  const { data: _jws, ...envelopeAttributes } = envelope;
  const names = new Set([...Object.keys(signedAttributes), ...Object.keys(envelopeAttributes)]);
  for (const name of names) {
    if ((signedAttributes as Record<string, unknown>)[name] !== envelopeAttributes[name]) {
      throw new InvalidSignatureError('The envelope does not match what was signed.', { cause: { attribute: name } });
    }
  }

  const data = EVENT_DATA_SCHEMAS[event.type].safeParse(signedData);
  if (!data.success) {
    throw new MalformedEventError('The event data does not match its schema.', {
      details: { issues: data.error.issues.map((i) => ({ path: i.path.join('.'), code: i.code })) },
    });
  }
  return {
    id: signed.data.id,
    type: event.type,
    agencyId,
    recipient: signed.data.recipient,
    subject: signed.data.subject,
    time: signed.data.time,
    correlationId: signed.data.correlationid ?? null,
    data: data.data,
  };
}
