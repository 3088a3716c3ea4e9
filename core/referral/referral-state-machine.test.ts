import { describe, expect, it } from 'vitest';
import { availableReferralActions, nextReferralState } from './referral-state-machine.js';

describe('referral state machine', () => {
  it('a new referral starts as SENT', () => {
    expect(nextReferralState(null, 'SEND')).toBe('SENT');
  });

  it('a sent referral can be accepted, declined or withdrawn', () => {
    expect(nextReferralState('SENT', 'ACCEPT')).toBe('ACCEPTED');
    expect(nextReferralState('SENT', 'DECLINE')).toBe('DECLINED');
    expect(availableReferralActions('SENT').sort()).toEqual(['ACCEPT', 'DECLINE', 'WITHDRAW']);
  });

  it('an accepted referral cannot be accepted again', () => {
    expect(() => nextReferralState('ACCEPTED', 'ACCEPT')).toThrowError(expect.objectContaining({ code: 'INVALID_TRANSITION' }));
  });

  it('a declined referral is final', () => {
    expect(availableReferralActions('DECLINED')).toEqual([]);
  });
});
