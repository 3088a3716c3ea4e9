import { z } from 'zod';
import { safeText } from '../safe-text.js';
import { REFERRAL_STATES } from '../referral/referral-state-machine.js';

/**
 * The payload schema of each CloudEvents `type` the hub exchanges. Consumers validate every payload against
 * this table after verifying its signature; anything that does not match goes to the dead-letter topic.
 */
const isoDate = z.iso.datetime({ offset: true });

export const EVENT_TYPES = {
  /** Hub → hospital: a school sent a referral to this hospital. Carries only the fields the policy discloses. */
  referralSent: 'org.careloop.referral.sent.v1',
  /** Hub → school: a referral the school sent changed state. */
  referralStatusChanged: 'org.careloop.referral.status-changed.v1',
  /** Hospital → hub: the hospital accepted or declined a referral. */
  referralDecision: 'org.careloop.referral.decision.v1',
} as const;

export type EventType = (typeof EVENT_TYPES)[keyof typeof EVENT_TYPES];

export const referralSentData = z.object({
  referralId: z.string().min(1),
  subjectId: z.string().min(1).optional(),
  schoolAgencyId: z.string().min(1),
  hospitalAgencyId: z.string().min(1),
  reason: z.string().optional(),
  guardiansNotified: z.boolean().optional(),
  sentAt: isoDate,
});

export const referralStatusChangedData = z.object({
  referralId: z.string().min(1),
  state: z.enum(REFERRAL_STATES),
  previousState: z.enum(REFERRAL_STATES),
  changedAt: isoDate,
  changedByAgencyId: z.string().min(1),
});

export const referralDecisionData = z
  .object({
    referralId: z.string().min(1),
    decision: z.enum(['ACCEPT', 'DECLINE']),
    reason: safeText({ max: 2000, what: 'reason' }).optional(),
    /** The person the agency's system names. */
    decidedBy: safeText({ max: 200, what: 'decidedBy' }),
    /** The credential the agency's system proved to its connector (`api-key:<id>` or `token:<subject>`). */
    decidedVia: z.string().min(1).max(200),
    decidedAt: isoDate,
  })
  .refine((d) => d.decision === 'ACCEPT' || d.reason !== undefined, { message: 'a decline needs a reason', path: ['reason'] });

export const EVENT_DATA_SCHEMAS = {
  [EVENT_TYPES.referralSent]: referralSentData,
  [EVENT_TYPES.referralStatusChanged]: referralStatusChangedData,
  [EVENT_TYPES.referralDecision]: referralDecisionData,
} as const satisfies Record<EventType, z.ZodType>;

export type ReferralSentData = z.infer<typeof referralSentData>;
export type ReferralStatusChangedData = z.infer<typeof referralStatusChangedData>;
export type ReferralDecisionData = z.infer<typeof referralDecisionData>;

export function isEventType(type: string): type is EventType {
  return Object.values(EVENT_TYPES).includes(type as EventType);
}
