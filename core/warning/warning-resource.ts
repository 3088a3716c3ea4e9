import type { DirectoryStore } from '../ports/directory.js';
import type { PolicyResource } from '../ports/policy-engine.js';
import type { CareTask } from './care-task.js';
import type { WarningAssessment, WarningEntry } from './warning-entry.js';

/** What the policy needs to know of an entry: whose list it is on and where that school belongs; never its text. */
export async function warningResource(
  entry: Pick<WarningEntry, 'schoolAgencyId' | 'state'> & Partial<Pick<WarningEntry, 'subjectId' | 'guardianNotice'>>,
  directory: Pick<DirectoryStore, 'agencies'>,
): Promise<PolicyResource> {
  const school = await directory.agencies.find(entry.schoolAgencyId);
  return {
    ...(entry.subjectId ? { subjectId: entry.subjectId } : {}),
    type: 'warning',
    schoolAgencyId: entry.schoolAgencyId,
    schoolDistrictId: school?.districtId ?? '',
    state: entry.state,
    guardianNoticeRecorded: Boolean(entry.guardianNotice),
  };
}

export function assessmentResource(assessment: Pick<WarningAssessment, 'schoolAgencyId' | 'proposedBy' | 'state'> & { subjectId?: string }): PolicyResource {
  return {
    ...(assessment.subjectId ? { subjectId: assessment.subjectId } : {}),
    type: 'warning-assessment',
    schoolAgencyId: assessment.schoolAgencyId,
    proposedBy: assessment.proposedBy,
    state: assessment.state,
  };
}

/** What the policy needs of a task: whose list, whose task. */
export function careTaskResource(t: Pick<CareTask, 'schoolAgencyId' | 'assigneeUserId'> & { subjectId?: string }): PolicyResource {
  return { ...(t.subjectId ? { subjectId: t.subjectId } : {}), type: 'care-task', schoolAgencyId: t.schoolAgencyId, assigneeUserId: t.assigneeUserId ?? '' };
}
