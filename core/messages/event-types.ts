import type { z } from 'zod';
import { ENROLMENT_EVENT_SCHEMAS, ENROLMENT_EVENT_TYPES } from '../enrolment/enrolment-events.js';
import { SIGNAL_EVENT_SCHEMAS, SIGNAL_EVENT_TYPES } from '../signal/signal-events.js';
import { REFERRAL_EVENT_SCHEMAS, REFERRAL_EVENT_TYPES } from '../referral/referral-events.js';
import { CARE_EVENT_SCHEMAS, CARE_EVENT_TYPES } from '../warning/care-events.js';
import { SCREENING_EVENT_SCHEMAS, SCREENING_EVENT_TYPES } from '../warning/screening-events.js';

/**
 * Every CloudEvents `type` the hub exchanges, with its payload schema, gathered from the capabilities' own event
 * files (a capability adds its table here). Consumers validate every payload against this registry after
 * verifying its signature; anything that does not match goes to the dead-letter topic.
 */
export const EVENT_DATA_SCHEMAS = {
  ...REFERRAL_EVENT_SCHEMAS,
  ...SCREENING_EVENT_SCHEMAS,
  ...CARE_EVENT_SCHEMAS,
  ...ENROLMENT_EVENT_SCHEMAS,
  ...SIGNAL_EVENT_SCHEMAS,
} as const satisfies Record<string, z.ZodType>;

export type EventType = keyof typeof EVENT_DATA_SCHEMAS;

/** The payload type of each event type, as its schema checked it. */
export type EventData<T extends EventType> = z.infer<(typeof EVENT_DATA_SCHEMAS)[T]>;

export const EVENT_TYPES = {
  referral: REFERRAL_EVENT_TYPES,
  screening: SCREENING_EVENT_TYPES,
  care: CARE_EVENT_TYPES,
  enrolment: ENROLMENT_EVENT_TYPES,
  signal: SIGNAL_EVENT_TYPES,
} as const;

export function isEventType(type: string): type is EventType {
  return Object.hasOwn(EVENT_DATA_SCHEMAS, type);
}
