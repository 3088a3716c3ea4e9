import type { ReferralSentData } from '../../../core/referral/referral-events.js';

/** A referral as the hub sends it to the hospital, every disclosable field present: shared by the FHIR tests. */
export const HOSPITAL_ID = 'hospital-1';
export const SCHOOL_ID = 'school-1';
export const CANARY_REASON = 'canary-reason-7f3a: self-harm disclosed to the class teacher';

export function sentReferral(overrides: Partial<ReferralSentData> = {}): ReferralSentData {
  return {
    referralId: 'ref-0001',
    code: 'GC-4821',
    channel: 'OUTPATIENT',
    schoolAgencyId: SCHOOL_ID,
    hospitalAgencyId: HOSPITAL_ID,
    sentAt: '2025-03-03T09:15:00+08:00',
    subjectId: 'subj-88',
    reason: CANARY_REASON,
    assessmentCategory: 3,
    assessmentScales: [{ scale: 'PHQ-A', score: 19 }],
    guardianNoticeGivenAt: '2025-03-03T08:50:00+08:00',
    ...overrides,
  };
}
