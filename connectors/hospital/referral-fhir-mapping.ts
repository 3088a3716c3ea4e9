import type { VerifiedEvent } from '../../adapters/messaging/signed-event.js';
import { REFERRAL_EVENT_TYPES, type ReferralSentData, type ReferralStatusChangedData } from '../../core/referral/referral-events.js';
import type { FhirTaskStore } from './fhir/fhir-task-store.js';
import { applyStatusChange, referralToFhir } from './fhir/referral-to-fhir.js';

/**
 * The referral capability in the hospital's standard: a referral sent becomes a ServiceRequest with its Task; a
 * status change moves the Task (BSeR business status). False for events the hospital does not take.
 */
export async function applyReferralEventToFhir(event: VerifiedEvent, deps: { agencyId: string; tasks: FhirTaskStore }): Promise<boolean> {
  if (event.type === REFERRAL_EVENT_TYPES.sent) {
    const sent = event.data as ReferralSentData;
    const { serviceRequest, task } = referralToFhir(sent, deps.agencyId);
    await deps.tasks.upsert(sent.referralId, deps.agencyId, task, serviceRequest, sent.code);
    return true;
  }
  if (event.type === REFERRAL_EVENT_TYPES.statusChanged) {
    const change = event.data as ReferralStatusChangedData;
    const known = await deps.tasks.get(change.referralId);
    // A change about a referral this connector never received (e.g. one transferred away before it arrived)
    // has no Task to move; accepting it changes nothing.
    if (!known) return true;
    await deps.tasks.upsert(change.referralId, known.ownerAgencyId, applyStatusChange(known.task, change), null, known.code);
    return true;
  }
  return false;
}
