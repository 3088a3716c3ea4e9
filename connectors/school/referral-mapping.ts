import type { VerifiedEvent } from '../../adapters/messaging/signed-event.js';
import { REFERRAL_EVENT_TYPES, type ReferralOverdueData, type ReferralStatusChangedData } from '../../core/referral/referral-events.js';

/**
 * The referral capability in the school system's JSON: state changes of referrals the school sent (with the
 * appointment when one was set), and deadlines that passed. Content beyond that stays in the hub, where the
 * policy decides who of the school's staff sees it.
 */
export function mapReferralEventForSchool(event: VerifiedEvent) {
  if (event.type === REFERRAL_EVENT_TYPES.statusChanged) {
    const d = event.data as ReferralStatusChangedData;
    return {
      kind: 'referral-status-changed',
      payload: {
        referralId: d.referralId,
        state: d.state,
        previousState: d.previousState,
        action: d.action,
        changedAt: d.changedAt,
        changedBy: d.changedByAgencyId,
        ...(d.appointment ? { appointment: d.appointment } : {}),
      },
    };
  }
  if (event.type === REFERRAL_EVENT_TYPES.overdue) {
    const d = event.data as ReferralOverdueData;
    return { kind: 'referral-overdue', payload: { referralId: d.referralId, deadline: d.kind, dueAt: d.dueAt, raisedAt: d.raisedAt } };
  }
  return null;
}
