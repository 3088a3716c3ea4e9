import { z } from 'zod';
import { safeText } from '../../core/safe-text.js';
import type { VerifiedEvent } from '../../adapters/messaging/signed-event.js';
import { EVENT_TYPES, type ReferralDecisionData, type ReferralSentData, type ReferralStatusChangedData } from '../../core/messages/event-types.js';

/**
 * The mapping layer between hub events and the hospital system's minimal JSON API. HL7 FHIR R4
 * (ServiceRequest + Task) replaces this JSON with the referral-loop issue; only this file and the routes change.
 */
export function mapHubEventForHospital(event: VerifiedEvent) {
  if (event.type === EVENT_TYPES.referralSent) {
    const d = event.data as ReferralSentData;
    return {
      kind: 'referral-offered',
      payload: {
        referralId: d.referralId,
        patientPseudonym: d.subjectId ?? null,
        referringSchoolId: d.schoolAgencyId,
        reason: d.reason ?? null,
        guardiansNotified: d.guardiansNotified ?? null,
        sentAt: d.sentAt,
      },
    };
  }
  if (event.type === EVENT_TYPES.referralStatusChanged) {
    const d = event.data as ReferralStatusChangedData;
    return { kind: 'referral-status-changed', payload: { referralId: d.referralId, state: d.state, previousState: d.previousState, changedAt: d.changedAt } };
  }
  return null;
}

/** The body the hospital system posts to decide on a referral. */
export const hospitalDecisionBody = z
  .object({
    decision: z.enum(['accept', 'decline']),
    reason: safeText({ max: 2000, what: 'reason' }).optional(),
    decidedBy: safeText({ max: 200, what: 'decidedBy' }),
  })
  .strict()
  .refine((b) => b.decision === 'accept' || b.reason !== undefined, { message: 'a decline needs a reason', path: ['reason'] });

export function toDecisionEventData(referralId: string, body: z.infer<typeof hospitalDecisionBody>, decidedVia: string, decidedAt: Date): ReferralDecisionData {
  return {
    referralId,
    decision: body.decision === 'accept' ? 'ACCEPT' : 'DECLINE',
    ...(body.reason ? { reason: body.reason } : {}),
    decidedBy: body.decidedBy,
    decidedVia,
    decidedAt: decidedAt.toISOString(),
  };
}
