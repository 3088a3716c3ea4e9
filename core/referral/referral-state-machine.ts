import { InvalidTransitionError } from '../errors.js';

/**
 * The green-channel referral lifecycle as data (README "The referral loop"). Who may fire an action is the
 * policy's business (policies/careloop/authz/referral.rego); this table only says which actions make sense in
 * which state. An action whose target is its own state records evidence without moving the referral.
 */
export const REFERRAL_STATES = [
  'SENT',
  'ACCEPTED',
  'DECLINED',
  'SCHEDULED',
  'NO_SHOW',
  'ATTENDED',
  'IN_TREATMENT',
  'ADMITTED',
  'DISCHARGED',
  'RETURN_REVIEW',
  'FOLLOW_UP',
  'CLOSED',
  'WITHDRAWN',
] as const;
export type ReferralState = (typeof REFERRAL_STATES)[number];

export const REFERRAL_ACTIONS = [
  'SEND',
  'ACCEPT',
  'DECLINE',
  'SCHEDULE',
  'RECORD_NO_SHOW',
  'RE_ENGAGE',
  'RECORD_ATTENDANCE',
  'START_TREATMENT',
  'ADMIT',
  'DISCHARGE',
  'RECORD_TREATMENT_UPDATE',
  'RECORD_LEAVE',
  'RECEIVE_RECOVERY_CERTIFICATE',
  'START_RETURN_REVIEW',
  'DECIDE_RETURN',
  'REQUEST_ASSESSMENT',
  'RECORD_FOLLOW_UP',
  'CLOSE',
  'WITHDRAW',
  'TRANSFER',
] as const;
export type ReferralAction = (typeof REFERRAL_ACTIONS)[number];

/** States in which the referral still needs someone to act; a child has at most one open referral. */
export const CLOSED_STATES: ReadonlySet<ReferralState> = new Set(['DECLINED', 'CLOSED', 'WITHDRAWN']);

/** The states of care at the hospital, in which the hospital reports and the school follows up. */
const IN_CARE: ReferralState[] = ['ATTENDED', 'IN_TREATMENT', 'ADMITTED', 'DISCHARGED'];
/** Before the child is seen: the school may still withdraw, and the case may move to another hospital. */
const BEFORE_SEEN: ReferralState[] = ['SENT', 'ACCEPTED', 'SCHEDULED', 'NO_SHOW'];

type Transition = { from: ReferralState | null; action: ReferralAction; to: ReferralState };

const many = (from: ReferralState[], action: ReferralAction, to: ReferralState | 'same'): Transition[] =>
  from.map((f) => ({ from: f, action, to: to === 'same' ? f : to }));

const TRANSITIONS: ReadonlyArray<Transition> = [
  { from: null, action: 'SEND', to: 'SENT' },
  { from: 'SENT', action: 'ACCEPT', to: 'ACCEPTED' },
  { from: 'SENT', action: 'DECLINE', to: 'DECLINED' },
  // Scheduling again moves an appointment; after a no-show the hospital offers a new one.
  ...many(['ACCEPTED', 'SCHEDULED', 'NO_SHOW'], 'SCHEDULE', 'SCHEDULED'),
  { from: 'SCHEDULED', action: 'RECORD_NO_SHOW', to: 'NO_SHOW' },
  // A no-show goes back to the school, which re-engages the family; the hospital then schedules again.
  { from: 'NO_SHOW', action: 'RE_ENGAGE', to: 'ACCEPTED' },
  { from: 'SCHEDULED', action: 'RECORD_ATTENDANCE', to: 'ATTENDED' },
  { from: 'ATTENDED', action: 'START_TREATMENT', to: 'IN_TREATMENT' },
  ...many(['ATTENDED', 'IN_TREATMENT'], 'ADMIT', 'ADMITTED'),
  ...many(['ATTENDED', 'IN_TREATMENT', 'ADMITTED'], 'DISCHARGE', 'DISCHARGED'),
  ...many([...IN_CARE, 'RETURN_REVIEW'], 'RECORD_TREATMENT_UPDATE', 'same'),
  ...many([...IN_CARE, 'RETURN_REVIEW'], 'RECEIVE_RECOVERY_CERTIFICATE', 'same'),
  ...many(IN_CARE, 'RECORD_LEAVE', 'same'),
  // Outpatient treatment may go on after the child is back at school, so a review may start during it.
  ...many(['IN_TREATMENT', 'DISCHARGED'], 'START_RETURN_REVIEW', 'RETURN_REVIEW'),
  // The crisis team decides return (with or without conditions), or suggests a third-party assessment first.
  { from: 'RETURN_REVIEW', action: 'DECIDE_RETURN', to: 'FOLLOW_UP' },
  { from: 'RETURN_REVIEW', action: 'REQUEST_ASSESSMENT', to: 'RETURN_REVIEW' },
  ...many(['NO_SHOW', ...IN_CARE, 'RETURN_REVIEW', 'FOLLOW_UP'], 'RECORD_FOLLOW_UP', 'same'),
  { from: 'FOLLOW_UP', action: 'CLOSE', to: 'CLOSED' },
  ...many(BEFORE_SEEN, 'WITHDRAW', 'WITHDRAWN'),
  // Transferred to another hospital: the same case, a new recipient, back to waiting for its acknowledgement.
  ...many([...BEFORE_SEEN.filter((s) => s !== 'SENT'), 'ATTENDED', 'IN_TREATMENT'], 'TRANSFER', 'SENT'),
];

/** Returns the state `action` leads to from `from`, or throws INVALID_TRANSITION. */
export function nextReferralState(from: ReferralState | null, action: ReferralAction): ReferralState {
  const transition = TRANSITIONS.find((t) => t.from === from && t.action === action);
  if (!transition) throw new InvalidTransitionError(from ?? 'NONE', action);
  return transition.to;
}

/** The actions that make sense in `state`; lets clients show only the buttons that can work. */
export function availableReferralActions(state: ReferralState): ReferralAction[] {
  return TRANSITIONS.filter((t) => t.from === state).map((t) => t.action);
}

export function isOpenReferralState(state: ReferralState): boolean {
  return !CLOSED_STATES.has(state);
}
