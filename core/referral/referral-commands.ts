import { policyActionOf } from '../ports/policy-engine.js';
import { z } from 'zod';
import { identifier, safeText } from '../safe-text.js';
import { codedConcept, REFERRAL_CHANNELS, RETURN_RECOMMENDATIONS, RISK_LEVELS } from './referral-events.js';
import { FOLLOW_UP_CHANNELS, NOTICE_CHANNELS } from './referral.js';

/** An instant as a Date or an ISO string (GraphQL DateTime, bus events). */
export const instant = z.coerce.date().refine((d) => !Number.isNaN(d.getTime()), 'not a valid date');
const optionalText = (max: number, what: string) => safeText({ max, what }).optional().nullable();

/** What the school's crisis-assessment group records before it refers (category 2 or 3, beyond the school). */
export const assessmentInput = z.object({
  category: z.union([z.literal(2), z.literal(3)]),
  scales: z
    .array(z.object({ scale: safeText({ max: 40, what: 'scale' }), score: z.number().finite() }))
    .max(20)
    .default([]),
  interviewSummary: safeText({ max: 4000, what: 'interviewSummary' }),
  familyContact: safeText({ max: 4000, what: 'familyContact' }),
  exceedsSchoolCapacity: z.literal(true, 'the crisis-assessment group must decide the case exceeds the school'),
  assessedBy: safeText({ max: 200, what: 'assessedBy' }),
  assessedAt: instant,
});

/** The written notice to the guardians: when, how, by whom, and how they acknowledged it. */
export const guardianNoticeInput = z.object({
  givenAt: instant,
  channel: z.enum(NOTICE_CHANNELS),
  givenBy: safeText({ max: 200, what: 'givenBy' }),
  acknowledgement: optionalText(500, 'acknowledgement'),
  acknowledgedAt: instant.optional().nullable(),
});

export const createReferralInput = z.object({
  subjectId: identifier,
  hospitalAgencyId: identifier,
  channel: z.enum(REFERRAL_CHANNELS).default('OUTPATIENT'),
  reason: safeText({ max: 4000, what: 'reason' }),
  assessment: assessmentInput,
  guardianNotice: guardianNoticeInput,
});
export type CreateReferralInput = z.infer<typeof createReferralInput>;

// Commands take instants as dates (GraphQL's DateTime) or ISO strings (bus events); events carry ISO strings.
// Either a time the receiving agency set, or one of its published counselling slots (whose times then apply).
const appointment = z
  .object({
    start: instant.optional().nullable(),
    end: instant.optional().nullable(),
    location: optionalText(300, 'location'),
    slotId: identifier.optional().nullable(),
  })
  .refine((a) => Boolean(a.start) !== Boolean(a.slotId), { message: 'an appointment has either a start or a counselling slot', path: ['start'] });

const treatmentUpdateData = z.object({
  riskLevel: z.enum(RISK_LEVELS).optional().nullable(),
  guidance: optionalText(4000, 'guidance'),
  nextAppointmentAt: instant.optional().nullable(),
  returnRecommendation: z.enum(RETURN_RECOMMENDATIONS).optional().nullable(),
  clinical: z
    .object({ diagnoses: z.array(codedConcept).max(20).optional().nullable(), medication: optionalText(2000, 'medication') })
    .optional()
    .nullable(),
});
export type TreatmentUpdateInput = z.infer<typeof treatmentUpdateData>;

const recoveryDocumentData = z.object({
  title: safeText({ max: 300, what: 'title' }),
  issuedAt: instant,
  reference: z.string().min(1).max(500).optional().nullable(),
});

/**
 * Every change after sending, one shape per state-machine action. GraphQL mutations and hospital reports
 * both become one of these, so they go through the same validation, policy and state machine.
 */
export const referralCommand = z.discriminatedUnion('action', [
  z.object({ action: z.literal('ACCEPT') }),
  z.object({ action: z.literal('DECLINE'), reason: safeText({ max: 2000, what: 'reason' }) }),
  z.object({ action: z.literal('SCHEDULE'), appointment }),
  z.object({ action: z.literal('RECORD_NO_SHOW') }),
  z.object({ action: z.literal('RE_ENGAGE'), note: safeText({ max: 2000, what: 'note' }) }),
  z.object({ action: z.literal('RECORD_ATTENDANCE'), update: treatmentUpdateData.optional() }),
  z.object({ action: z.literal('START_TREATMENT'), update: treatmentUpdateData.optional() }),
  z.object({ action: z.literal('ADMIT'), update: treatmentUpdateData.optional() }),
  z.object({ action: z.literal('DISCHARGE'), update: treatmentUpdateData.optional() }),
  z.object({ action: z.literal('RECORD_TREATMENT_UPDATE'), update: treatmentUpdateData }),
  z.object({ action: z.literal('RECORD_LEAVE'), from: instant, expectedReturn: instant.optional().nullable() }),
  z.object({ action: z.literal('RECEIVE_RECOVERY_CERTIFICATE'), document: recoveryDocumentData }),
  z.object({ action: z.literal('START_RETURN_REVIEW'), recordsReceived: z.boolean() }),
  z.object({
    action: z.literal('DECIDE_RETURN'),
    decision: z.enum(['RETURN', 'RETURN_WITH_CONDITIONS']),
    conditions: optionalText(2000, 'conditions'),
    guardianCommitment: safeText({ max: 2000, what: 'guardianCommitment' }),
    studentCommitment: safeText({ max: 2000, what: 'studentCommitment' }),
  }),
  z.object({ action: z.literal('REQUEST_ASSESSMENT'), note: safeText({ max: 2000, what: 'note' }) }),
  z.object({
    action: z.literal('RECORD_FOLLOW_UP'),
    at: instant,
    channel: z.enum(FOLLOW_UP_CHANNELS),
    outcome: safeText({ max: 4000, what: 'outcome' }),
  }),
  z.object({ action: z.literal('CLOSE'), note: optionalText(2000, 'note') }),
  z.object({ action: z.literal('WITHDRAW'), reason: safeText({ max: 2000, what: 'reason' }) }),
  z.object({ action: z.literal('TRANSFER'), hospitalAgencyId: identifier, reason: safeText({ max: 2000, what: 'reason' }) }),
]);
export type ReferralCommand = z.infer<typeof referralCommand>;
/** A command as callers send it, before validation (instants as dates or ISO strings). */
export type ReferralCommandInput = z.input<typeof referralCommand>;

/** `RECORD_NO_SHOW` → `referral.record-no-show`: the policy action of a transition. */
export function transitionPolicyAction(action: ReferralCommand['action']): `referral.${string}` {
  return policyActionOf('referral', action);
}
