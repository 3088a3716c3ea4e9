import type { AgencyDirectory } from '../ports/keys.js';
import type { LedgerStore } from '../ports/ledger-store.js';
import type { PolicyResource } from '../ports/policy-engine.js';
import type { Referral } from './referral.js';

/** The attributes of a referral the policy needs, looked up in the hub's directory rather than taken on trust. */
export async function referralResource(
  referral: Pick<Referral, 'schoolAgencyId' | 'hospitalAgencyId' | 'subjectId' | 'guardiansNotified' | 'state'>,
  lookups: { directory: AgencyDirectory; store: Pick<LedgerStore, 'findSubject'> },
): Promise<PolicyResource> {
  const [hospital, subject] = await Promise.all([lookups.directory.find(referral.hospitalAgencyId), lookups.store.findSubject(referral.subjectId)]);
  return {
    type: 'referral',
    schoolAgencyId: referral.schoolAgencyId,
    hospitalAgencyId: referral.hospitalAgencyId,
    hospitalAgencyType: hospital && hospital.type !== 'hub' ? hospital.type : 'unknown',
    subjectSchoolAgencyId: subject?.schoolAgencyId ?? '',
    guardiansNotified: referral.guardiansNotified,
    state: referral.state,
  };
}
