import type { PolicyResource } from '../ports/policy-engine.js';

/** What the policy is asked about when no referral has the id: it belongs to nobody, so nobody may know it. */
export const ABSENT_REFERRAL: PolicyResource = {
  type: 'referral',
  schoolAgencyId: '',
  hospitalAgencyId: '',
  hospitalAgencyType: 'unknown',
  subjectSchoolAgencyId: '',
  schoolDistrictId: '',
  channel: '',
  guardianNoticeRecorded: false,
  assessmentCategory: 0,
  exceedsSchoolCapacity: false,
  overdue: false,
};
