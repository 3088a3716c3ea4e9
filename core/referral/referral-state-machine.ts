import { InvalidTransitionError } from '../errors.js';

/**
 * The green-channel referral lifecycle as data. Who may fire an action is the policy's business
 * (policies/careloop/authz); this table only says which actions make sense in which state.
 * States beyond the first decision (scheduled, attended, in treatment, ...) join this table with the
 * referral-loop issue without changing the code that reads it.
 */
export const REFERRAL_STATES = ['SENT', 'ACCEPTED', 'DECLINED', 'WITHDRAWN'] as const;
export type ReferralState = (typeof REFERRAL_STATES)[number];

export const REFERRAL_ACTIONS = ['SEND', 'ACCEPT', 'DECLINE', 'WITHDRAW'] as const;
export type ReferralAction = (typeof REFERRAL_ACTIONS)[number];

/** `null` is the state before the referral exists. */
const TRANSITIONS: ReadonlyArray<{ from: ReferralState | null; action: ReferralAction; to: ReferralState }> = [
  { from: null, action: 'SEND', to: 'SENT' },
  { from: 'SENT', action: 'ACCEPT', to: 'ACCEPTED' },
  { from: 'SENT', action: 'DECLINE', to: 'DECLINED' },
  { from: 'SENT', action: 'WITHDRAW', to: 'WITHDRAWN' },
  { from: 'ACCEPTED', action: 'WITHDRAW', to: 'WITHDRAWN' },
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
