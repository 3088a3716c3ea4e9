import type { DeadlineKind } from './referral-events.js';
import type { Referral } from './referral.js';
import { isOpenReferralState, REFERRAL_STATES, type ReferralAction, type ReferralState } from './referral-state-machine.js';

/** The loop's deadlines (README "Deadlines"); defaults from the bureaus' documents. */
export interface DeadlinePolicy {
  /** The receiving agency acknowledges (accepts or declines) within this. */
  acknowledgementMs: number;
  /** The first appointment is scheduled within this of acceptance (or of re-engaging the family). */
  firstAppointmentMs: number;
  /** A referral nobody moved for this long is stalled and escalated to the district bureau. */
  stalledMs: number;
  /** The school contacts the family at least this often during treatment and leave. */
  followUpDuringTreatmentMs: number;
  /** ... and this often after the child returns to school ... */
  followUpAfterReturnMs: number;
  /** ... for this long after the return. */
  followUpAfterReturnForMs: number;
}

const HOUR = 3600_000;
const DAY = 24 * HOUR;

export const DEFAULT_DEADLINES: DeadlinePolicy = {
  acknowledgementMs: 24 * HOUR,
  firstAppointmentMs: 7 * DAY,
  stalledMs: 14 * DAY,
  followUpDuringTreatmentMs: 14 * DAY,
  followUpAfterReturnMs: 7 * DAY,
  followUpAfterReturnForMs: 28 * DAY,
};

/** The states a deadline can apply in: every open one (the watch reads only these). */
export const WATCHED_STATES: ReferralState[] = REFERRAL_STATES.filter(isOpenReferralState);

const IN_TREATMENT_OR_LEAVE: ReadonlySet<ReferralState> = new Set(['ATTENDED', 'IN_TREATMENT', 'ADMITTED', 'DISCHARGED', 'RETURN_REVIEW']);

function lastAt(referral: Referral, actions: ReferralAction[]): Date | null {
  for (let i = referral.timeline.length - 1; i >= 0; i--) {
    const entry = referral.timeline[i];
    if (entry && actions.includes(entry.action)) return entry.at;
  }
  return null;
}

const later = (a: Date | null, b: Date | null): Date | null => (a && b ? (a > b ? a : b) : (a ?? b));
const plus = (d: Date, ms: number) => new Date(d.getTime() + ms);

/**
 * The deadlines of `referral` that are due at `now`, each with the instant it fell due. Pure: the watch records
 * them (once per kind and due date) and tells the school or the bureau.
 */
export function dueDeadlines(referral: Referral, policy: DeadlinePolicy, now: Date): Array<{ kind: DeadlineKind; dueAt: Date }> {
  const due: Array<{ kind: DeadlineKind; dueAt: Date }> = [];
  const consider = (kind: DeadlineKind, dueAt: Date | null) => {
    if (dueAt && dueAt.getTime() <= now.getTime()) due.push({ kind, dueAt });
  };

  if (referral.state === 'SENT') consider('ACKNOWLEDGEMENT', plus(lastAt(referral, ['SEND', 'TRANSFER']) ?? referral.createdAt, policy.acknowledgementMs));
  if (referral.state === 'ACCEPTED')
    consider('FIRST_APPOINTMENT', plus(lastAt(referral, ['ACCEPT', 'RE_ENGAGE']) ?? referral.updatedAt, policy.firstAppointmentMs));

  const lastMove = referral.timeline.at(-1)?.at ?? referral.updatedAt;
  consider('STALLED', plus(lastMove, policy.stalledMs));

  const lastFollowUp = referral.followUps.at(-1)?.at ?? null;
  if (IN_TREATMENT_OR_LEAVE.has(referral.state)) {
    const since = later(lastFollowUp, lastAt(referral, ['RECORD_ATTENDANCE']));
    if (since) consider('FOLLOW_UP', plus(since, policy.followUpDuringTreatmentMs));
  }
  if (referral.state === 'FOLLOW_UP') {
    const returnedAt = lastAt(referral, ['DECIDE_RETURN']);
    if (returnedAt) {
      const next = plus(later(lastFollowUp, returnedAt) ?? returnedAt, policy.followUpAfterReturnMs);
      if (next.getTime() <= returnedAt.getTime() + policy.followUpAfterReturnForMs) consider('FOLLOW_UP', next);
    }
  }
  return due;
}
