import type { AgencyType } from './ports/policy-engine.js';

/**
 * The roles each agency type may put in the tokens it issues to its people. A token naming any other role is
 * refused at the door, so a school cannot mint `hospital-liaison` and no agency can mint `system` (the role of
 * an agency's own system, which proves itself to its connector, never to the GraphQL door).
 */
export const ROLES_BY_AGENCY_TYPE: Readonly<Record<AgencyType, readonly string[]>> = {
  // A guardian's identity is issued by the child's school (issue 9) and opens only the guardian's own child.
  school: ['psychology-teacher', 'crisis-team', 'class-teacher', 'mentor', 'staff', 'guardian'],
  hospital: ['hospital-liaison', 'clinician'],
  'counselling-centre': ['counsellor'],
  'public-safety': ['police-analyst'],
  'education-bureau': ['bureau-analyst'],
};

/** The role an agency's own system holds when it calls its connector. */
export const SYSTEM_ROLE = 'system';

export function isPersonRoleOf(agencyType: AgencyType, role: string): boolean {
  return ROLES_BY_AGENCY_TYPE[agencyType].includes(role);
}
