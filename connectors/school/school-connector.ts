import type { VerifiedEvent } from '../../adapters/messaging/signed-event.js';
import { EVENT_TYPES, type ReferralStatusChangedData } from '../../core/messages/event-types.js';
import { createConnector, type ConnectorBaseOptions } from '../shared/create-connector.js';

/** Maps hub events into the school system's JSON: today, the state changes of referrals the school sent. */
export function mapHubEventForSchool(event: VerifiedEvent) {
  if (event.type !== EVENT_TYPES.referralStatusChanged) return null;
  const d = event.data as ReferralStatusChangedData;
  return {
    kind: 'referral-status-changed',
    payload: { referralId: d.referralId, state: d.state, previousState: d.previousState, changedAt: d.changedAt, changedBy: d.changedByAgencyId },
  };
}

/** The school connector: delivers referral status changes to the school's system through its inbox. */
export function createSchoolConnector(options: ConnectorBaseOptions) {
  return createConnector({ ...options, kind: 'school', mapInbound: mapHubEventForSchool });
}
