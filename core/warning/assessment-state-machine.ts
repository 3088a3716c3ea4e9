import { InvalidTransitionError } from '../errors.js';

/**
 * The crisis assessment before an entry (R16-R17): a mentor or observer proposes the student, a psychology
 * teacher holds the one-to-one assessment interview, and the crisis-assessment group, combining screening, family
 * contact and the interview, confirms category 2 or 3 or dismisses. The group never decides without an interview.
 */
export const ASSESSMENT_STATES = ['PROPOSED', 'INTERVIEWED', 'CONFIRMED', 'DISMISSED'] as const;
export type AssessmentState = (typeof ASSESSMENT_STATES)[number];

export const ASSESSMENT_ACTIONS = ['PROPOSE', 'RECORD_INTERVIEW', 'CONFIRM', 'DISMISS'] as const;
export type AssessmentAction = (typeof ASSESSMENT_ACTIONS)[number];

const TRANSITIONS: ReadonlyArray<{ from: AssessmentState | null; action: AssessmentAction; to: AssessmentState }> = [
  { from: null, action: 'PROPOSE', to: 'PROPOSED' },
  { from: 'PROPOSED', action: 'RECORD_INTERVIEW', to: 'INTERVIEWED' },
  // A second interview before the group meets replaces the first.
  { from: 'INTERVIEWED', action: 'RECORD_INTERVIEW', to: 'INTERVIEWED' },
  { from: 'INTERVIEWED', action: 'CONFIRM', to: 'CONFIRMED' },
  { from: 'INTERVIEWED', action: 'DISMISS', to: 'DISMISSED' },
];

export function nextAssessmentState(from: AssessmentState | null, action: AssessmentAction): AssessmentState {
  const transition = TRANSITIONS.find((t) => t.from === from && t.action === action);
  if (!transition) throw new InvalidTransitionError(from ?? 'NONE', action, 'assessment');
  return transition.to;
}

export function isOpenAssessmentState(state: AssessmentState): boolean {
  return state === 'PROPOSED' || state === 'INTERVIEWED';
}
