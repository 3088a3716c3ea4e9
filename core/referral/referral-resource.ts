import type { DirectoryStore } from '../ports/directory.js';
import type { PolicyResource } from '../ports/policy-engine.js';
import type { Referral } from './referral.js';

export type ReferralFacts = Pick<Referral, 'schoolAgencyId' | 'hospitalAgencyId' | 'subjectId' | 'channel' | 'assessment' | 'guardianNotice' | 'state'> & {
  updatedAt?: Date;
  breaches?: Referral['breaches'];
};

/** True while a deadline breach was raised after the referral's last change (any change answers what was overdue). */
export function isOverdue(referral: Pick<Referral, 'breaches' | 'updatedAt'>): boolean {
  return referral.breaches.some((b) => b.raisedAt.getTime() > referral.updatedAt.getTime());
}

/** The attributes of a referral the policy needs, looked up in the hub's directory rather than taken on trust. */
export async function referralResource(
  referral: ReferralFacts,
  directory: Pick<DirectoryStore, 'agencies' | 'findSubject'>,
  extra: { transferTo?: string; slotBooking?: boolean } = {},
): Promise<PolicyResource> {
  const [hospital, school, subject, transferTo] = await Promise.all([
    directory.agencies.find(referral.hospitalAgencyId),
    directory.agencies.find(referral.schoolAgencyId),
    directory.findSubject(referral.subjectId),
    extra.transferTo === undefined ? Promise.resolve(undefined) : directory.agencies.find(extra.transferTo),
  ]);
  const notice = referral.guardianNotice;
  return {
    subjectId: referral.subjectId,
    type: 'referral',
    schoolAgencyId: referral.schoolAgencyId,
    hospitalAgencyId: referral.hospitalAgencyId,
    hospitalAgencyType: hospital && hospital.type !== 'hub' ? hospital.type : 'unknown',
    subjectSchoolAgencyId: subject?.schoolAgencyId ?? '',
    schoolDistrictId: school?.districtId ?? '',
    channel: referral.channel,
    guardianNoticeRecorded: Boolean(notice && notice.givenBy && !Number.isNaN(notice.givenAt.getTime())),
    assessmentCategory: referral.assessment?.category ?? 0,
    exceedsSchoolCapacity: referral.assessment?.exceedsSchoolCapacity === true,
    overdue: referral.breaches && referral.updatedAt ? isOverdue({ breaches: referral.breaches, updatedAt: referral.updatedAt }) : false,
    state: referral.state,
    ...(transferTo === undefined ? {} : { transferToAgencyType: transferTo && transferTo.type !== 'hub' ? transferTo.type : 'unknown' }),
    ...(extra.slotBooking === undefined ? {} : { slotBooking: extra.slotBooking }),
  };
}
