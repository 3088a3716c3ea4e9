/** What a school sends: the crisis group's assessment and the guardians' notice, with options for each test. */
export function referralInput(
  options: {
    subjectId?: string;
    hospitalAgencyId?: string;
    channel?: 'OUTPATIENT' | 'COUNSELLING';
    reason?: string;
    category?: number;
    canary?: string;
    noticeGivenBy?: string;
  } = {},
) {
  const canary = options.canary ?? '';
  return {
    subjectId: options.subjectId ?? 'subj-7k2m9q',
    hospitalAgencyId: options.hospitalAgencyId ?? 'hospital-kangning',
    channel: options.channel ?? 'OUTPATIENT',
    reason: options.reason ?? `Self-harm disclosed to psychology teacher; scale score above threshold.${canary}`,
    assessment: {
      category: options.category ?? 3,
      scales: [{ scale: 'PHQ-9', score: 24 }],
      interviewSummary: `One-to-one interview: persistent hopelessness, a plan disclosed.${canary && ` ${canary}-interview`}`,
      familyContact: `Mother reached by phone; agrees to the referral.${canary && ` ${canary}-family`}`,
      exceedsSchoolCapacity: true,
      assessedBy: `crisis-group-chair${canary && `-${canary}`}`,
      assessedAt: '2026-11-20T09:00:00+08:00',
    },
    guardianNotice: {
      givenAt: '2026-11-21T16:00:00+08:00',
      channel: 'IN_PERSON',
      givenBy: options.noticeGivenBy ?? `class-teacher-wang${canary && `-${canary}`}`,
      acknowledgement: 'signed receipt',
      acknowledgedAt: '2026-11-21T16:20:00+08:00',
    },
  };
}
