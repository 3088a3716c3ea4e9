import { InvalidTransitionError } from '../errors.js';

/**
 * A warning entry's lifecycle as data (README "The warning register"). Who may take each step is the policy's
 * business (policies/careloop/authz/warning.rego); this table only says which steps make sense in which state.
 * An entry is raised when the crisis-assessment group confirms a category, reviewed, given its plan, lifted, and
 * raised again on relapse or when the child comes back to school after treatment.
 */
export const WARNING_STATES = ['RAISED', 'UNDER_REVIEW', 'PLAN_IN_PLACE', 'LIFTED'] as const;
export type WarningState = (typeof WARNING_STATES)[number];

export const WARNING_ACTIONS = ['RAISE', 'REVIEW', 'ADOPT_PLAN', 'RECATEGORISE', 'LIFT', 'RERAISE'] as const;
export type WarningAction = (typeof WARNING_ACTIONS)[number];

type Transition = { from: WarningState | null; action: WarningAction; to: WarningState };

const many = (from: WarningState[], action: WarningAction, to: WarningState | 'same'): Transition[] =>
  from.map((f) => ({ from: f, action, to: to === 'same' ? f : to }));

const OPEN: WarningState[] = ['RAISED', 'UNDER_REVIEW', 'PLAN_IN_PLACE'];

const TRANSITIONS: ReadonlyArray<Transition> = [
  { from: null, action: 'RAISE', to: 'RAISED' },
  ...many(['RAISED', 'PLAN_IN_PLACE'], 'REVIEW', 'UNDER_REVIEW'),
  // Adopting a plan again revises it; the entry stays managed under the new one.
  ...many(OPEN, 'ADOPT_PLAN', 'PLAN_IN_PLACE'),
  // Escalation (or de-escalation) between the two categories keeps the entry where it is.
  ...many(OPEN, 'RECATEGORISE', 'same'),
  // A warning is lifted after a review or while its plan runs, never straight after being raised.
  ...many(['UNDER_REVIEW', 'PLAN_IN_PLACE'], 'LIFT', 'LIFTED'),
  { from: 'LIFTED', action: 'RERAISE', to: 'RAISED' },
];

/** Returns the state `action` leads to from `from`, or throws INVALID_TRANSITION. */
export function nextWarningState(from: WarningState | null, action: WarningAction): WarningState {
  const transition = TRANSITIONS.find((t) => t.from === from && t.action === action);
  if (!transition) throw new InvalidTransitionError(from ?? 'NONE', action, 'warning entry');
  return transition.to;
}

/** The steps that make sense in `state`, so that clients show only the buttons that can work. */
export function availableWarningActions(state: WarningState): WarningAction[] {
  return TRANSITIONS.filter((t) => t.from === state).map((t) => t.action);
}

export function isOpenWarningState(state: WarningState): boolean {
  return state !== 'LIFTED';
}
