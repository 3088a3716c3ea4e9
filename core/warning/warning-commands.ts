import { policyActionOf } from '../ports/policy-engine.js';
import { z } from 'zod';
import { pageArgs } from '../paging/page-cursor.js';
import { identifier, safeText } from '../safe-text.js';
import { ASSESSMENT_STATES } from './assessment-state-machine.js';
import { WARNING_STATES } from './warning-state-machine.js';

const id = identifier;
const person = identifier;
const reason = safeText({ max: 2000, what: 'reason' });
const category = z.union([z.literal(2), z.literal(3)]);
const instant = z.coerce.date();
/** Special-attention kinds are short slugs the district configures (`left-behind`, `migrant`, `kind-3`...). */
const tag = z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'a tag is a lower-case slug of at most 40 characters');

export const proposeInput = z.object({ subjectId: id, reason }).strict();

export const interviewInput = z
  .object({
    summary: reason,
    familyContact: reason.optional().nullable(),
    scales: z
      .array(z.object({ scale: safeText({ max: 40, what: 'scale' }), score: z.number().finite().min(0).max(1000) }).strict())
      .max(20)
      .default([]),
    at: instant.optional().nullable(),
  })
  .strict();

export const decisionInput = z.discriminatedUnion('outcome', [
  z.object({ outcome: z.literal('CONFIRM'), category, note: reason, ownerUserId: person, tags: z.array(tag).max(10).default([]) }).strict(),
  z.object({ outcome: z.literal('DISMISS'), note: reason }).strict(),
]);

export const warningCommand = z.discriminatedUnion('action', [
  z.object({ action: z.literal('REVIEW'), reason }).strict(),
  z
    .object({
      action: z.literal('ADOPT_PLAN'),
      plan: safeText({ max: 8000, what: 'plan' }),
      ownerUserId: person.optional().nullable(),
      tags: z.array(tag).max(10).optional().nullable(),
    })
    .strict(),
  z.object({ action: z.literal('RECATEGORISE'), category, reason }).strict(),
  z.object({ action: z.literal('LIFT'), reason }).strict(),
  z.object({ action: z.literal('RERAISE'), reason, category: category.optional().nullable() }).strict(),
]);
export type WarningCommand = z.infer<typeof warningCommand>;

export const guardianNoticeInput = z
  .object({
    givenAt: instant,
    channel: z.enum(['IN_PERSON', 'LETTER', 'PHONE', 'VIDEO']),
    givenBy: person,
    acknowledgedAt: instant.optional().nullable(),
  })
  .strict();

export const warningListArgs = z.object({ ...pageArgs, state: z.enum(WARNING_STATES).optional().nullable() });
export const assessmentListArgs = z.object({ ...pageArgs, state: z.enum(ASSESSMENT_STATES).optional().nullable() });

/** `ADOPT_PLAN` → `warning.adopt-plan`: the policy action of a step. */
export function warningPolicyAction(action: string): `warning.${string}` {
  return policyActionOf('warning', action);
}
