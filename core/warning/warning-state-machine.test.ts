import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ASSESSMENT_ACTIONS, ASSESSMENT_STATES, nextAssessmentState, type AssessmentState } from './assessment-state-machine.js';
import { availableWarningActions, nextWarningState, WARNING_ACTIONS, WARNING_STATES, type WarningState } from './warning-state-machine.js';

describe('the warning entry lifecycle', () => {
  it.each([
    [null, 'RAISE', 'RAISED'],
    ['RAISED', 'REVIEW', 'UNDER_REVIEW'],
    ['RAISED', 'ADOPT_PLAN', 'PLAN_IN_PLACE'],
    ['UNDER_REVIEW', 'ADOPT_PLAN', 'PLAN_IN_PLACE'],
    ['PLAN_IN_PLACE', 'ADOPT_PLAN', 'PLAN_IN_PLACE'],
    ['PLAN_IN_PLACE', 'REVIEW', 'UNDER_REVIEW'],
    ['RAISED', 'RECATEGORISE', 'RAISED'],
    ['UNDER_REVIEW', 'LIFT', 'LIFTED'],
    ['PLAN_IN_PLACE', 'LIFT', 'LIFTED'],
    ['LIFTED', 'RERAISE', 'RAISED'],
  ] as const)('moves %s by %s to %s', (from, action, to) => {
    expect(nextWarningState(from, action)).toBe(to);
  });

  it.each([
    ['RAISED', 'LIFT'],
    ['RAISED', 'RERAISE'],
    ['LIFTED', 'REVIEW'],
    ['LIFTED', 'ADOPT_PLAN'],
    ['LIFTED', 'RECATEGORISE'],
    ['LIFTED', 'LIFT'],
    ['UNDER_REVIEW', 'REVIEW'],
    ['RAISED', 'RAISE'],
  ] as const)('refuses %s by %s as INVALID_TRANSITION', (from, action) => {
    expect(() => nextWarningState(from, action)).toThrow(expect.objectContaining({ code: 'INVALID_TRANSITION' }));
  });

  it('answers, for every state and step, either a state or INVALID_TRANSITION, and lists exactly the steps that work', () => {
    fc.assert(
      fc.property(fc.constantFrom(...WARNING_STATES), fc.constantFrom(...WARNING_ACTIONS), (state: WarningState, action) => {
        let next: WarningState | null = null;
        try {
          next = nextWarningState(state, action);
        } catch (error) {
          expect(error).toMatchObject({ code: 'INVALID_TRANSITION' });
        }
        expect(next !== null).toBe(availableWarningActions(state).includes(action));
        if (next) expect(WARNING_STATES).toContain(next);
      }),
    );
  });

  it('never leaves a lifted entry except by raising it again', () => {
    for (const action of WARNING_ACTIONS) {
      if (action === 'RERAISE') continue;
      expect(() => nextWarningState('LIFTED', action)).toThrow();
    }
  });
});

describe('the crisis assessment', () => {
  it('goes proposed, interviewed, then confirmed or dismissed, and the group never decides without an interview', () => {
    expect(nextAssessmentState(null, 'PROPOSE')).toBe('PROPOSED');
    expect(nextAssessmentState('PROPOSED', 'RECORD_INTERVIEW')).toBe('INTERVIEWED');
    expect(nextAssessmentState('INTERVIEWED', 'CONFIRM')).toBe('CONFIRMED');
    expect(nextAssessmentState('INTERVIEWED', 'DISMISS')).toBe('DISMISSED');
    expect(() => nextAssessmentState('PROPOSED', 'CONFIRM')).toThrow(expect.objectContaining({ code: 'INVALID_TRANSITION' }));
    expect(() => nextAssessmentState('PROPOSED', 'DISMISS')).toThrow(expect.objectContaining({ code: 'INVALID_TRANSITION' }));
  });

  it('is final once decided', () => {
    fc.assert(
      fc.property(fc.constantFrom<AssessmentState>('CONFIRMED', 'DISMISSED'), fc.constantFrom(...ASSESSMENT_ACTIONS), (state, action) => {
        expect(() => nextAssessmentState(state, action)).toThrow();
      }),
    );
    expect(ASSESSMENT_STATES).toHaveLength(4);
  });
});
