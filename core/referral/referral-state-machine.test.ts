import { describe, expect, it } from 'vitest';
import {
  availableReferralActions,
  isOpenReferralState,
  nextReferralState,
  REFERRAL_ACTIONS,
  REFERRAL_STATES,
  type ReferralAction,
  type ReferralState,
} from './referral-state-machine.js';

/**
 * The loop as the bureaus' documents describe it, written out by hand: every legal step and where it leads.
 * Everything not listed here must be INVALID_TRANSITION.
 */
const LEGAL: Record<ReferralState, Partial<Record<ReferralAction, ReferralState>>> = {
  SENT: { ACCEPT: 'ACCEPTED', DECLINE: 'DECLINED', WITHDRAW: 'WITHDRAWN' },
  ACCEPTED: { SCHEDULE: 'SCHEDULED', WITHDRAW: 'WITHDRAWN', TRANSFER: 'SENT' },
  DECLINED: {},
  SCHEDULED: { SCHEDULE: 'SCHEDULED', RECORD_NO_SHOW: 'NO_SHOW', RECORD_ATTENDANCE: 'ATTENDED', WITHDRAW: 'WITHDRAWN', TRANSFER: 'SENT' },
  NO_SHOW: { SCHEDULE: 'SCHEDULED', RE_ENGAGE: 'ACCEPTED', RECORD_FOLLOW_UP: 'NO_SHOW', WITHDRAW: 'WITHDRAWN', TRANSFER: 'SENT' },
  ATTENDED: {
    START_TREATMENT: 'IN_TREATMENT',
    ADMIT: 'ADMITTED',
    DISCHARGE: 'DISCHARGED',
    RECORD_TREATMENT_UPDATE: 'ATTENDED',
    RECEIVE_RECOVERY_CERTIFICATE: 'ATTENDED',
    RECORD_LEAVE: 'ATTENDED',
    RECORD_FOLLOW_UP: 'ATTENDED',
    TRANSFER: 'SENT',
  },
  IN_TREATMENT: {
    ADMIT: 'ADMITTED',
    DISCHARGE: 'DISCHARGED',
    RECORD_TREATMENT_UPDATE: 'IN_TREATMENT',
    RECEIVE_RECOVERY_CERTIFICATE: 'IN_TREATMENT',
    RECORD_LEAVE: 'IN_TREATMENT',
    START_RETURN_REVIEW: 'RETURN_REVIEW',
    RECORD_FOLLOW_UP: 'IN_TREATMENT',
    TRANSFER: 'SENT',
  },
  ADMITTED: {
    DISCHARGE: 'DISCHARGED',
    RECORD_TREATMENT_UPDATE: 'ADMITTED',
    RECEIVE_RECOVERY_CERTIFICATE: 'ADMITTED',
    RECORD_LEAVE: 'ADMITTED',
    RECORD_FOLLOW_UP: 'ADMITTED',
  },
  DISCHARGED: {
    RECORD_TREATMENT_UPDATE: 'DISCHARGED',
    RECEIVE_RECOVERY_CERTIFICATE: 'DISCHARGED',
    RECORD_LEAVE: 'DISCHARGED',
    START_RETURN_REVIEW: 'RETURN_REVIEW',
    RECORD_FOLLOW_UP: 'DISCHARGED',
  },
  RETURN_REVIEW: {
    RECORD_TREATMENT_UPDATE: 'RETURN_REVIEW',
    RECEIVE_RECOVERY_CERTIFICATE: 'RETURN_REVIEW',
    DECIDE_RETURN: 'FOLLOW_UP',
    REQUEST_ASSESSMENT: 'RETURN_REVIEW',
    RECORD_FOLLOW_UP: 'RETURN_REVIEW',
  },
  FOLLOW_UP: { RECORD_FOLLOW_UP: 'FOLLOW_UP', CLOSE: 'CLOSED' },
  CLOSED: {},
  WITHDRAWN: {},
};

describe('referral state machine', () => {
  it('a new referral starts as SENT, and nothing else can start one', () => {
    expect(nextReferralState(null, 'SEND')).toBe('SENT');
    for (const action of REFERRAL_ACTIONS.filter((a) => a !== 'SEND')) expect(() => nextReferralState(null, action)).toThrowError(/NONE/);
  });

  for (const state of REFERRAL_STATES) {
    it(`in ${state} every legal step leads where the documents say, and every other step is INVALID_TRANSITION`, () => {
      for (const action of REFERRAL_ACTIONS) {
        const expected = LEGAL[state][action];
        if (expected) expect(nextReferralState(state, action), `${state} --${action}->`).toBe(expected);
        else expect(() => nextReferralState(state, action), `${state} --${action}->`).toThrowError(expect.objectContaining({ code: 'INVALID_TRANSITION' }));
      }
      expect(availableReferralActions(state).sort()).toEqual(Object.keys(LEGAL[state]).sort());
    });
  }

  it('declined, withdrawn and closed referrals are final and no longer open', () => {
    for (const state of ['DECLINED', 'WITHDRAWN', 'CLOSED'] as const) {
      expect(availableReferralActions(state)).toEqual([]);
      expect(isOpenReferralState(state)).toBe(false);
    }
    expect(isOpenReferralState('NO_SHOW')).toBe(true);
  });
});
