import type { VerifiedEvent } from '../../adapters/messaging/signed-event.js';
import { CARE_EVENT_TYPES, type CareTaskOverdueData } from '../../core/warning/care-events.js';
import { SCREENING_EVENT_TYPES, type ScreeningBatchAppliedData } from '../../core/warning/screening-events.js';

/** What the hub did with one batch of an import, for the school system's inbox (README "Screening import"). */
export function mapScreeningEventForSchool(event: VerifiedEvent) {
  if (event.type !== SCREENING_EVENT_TYPES.batchApplied) return null;
  const d = event.data as ScreeningBatchAppliedData;
  return {
    kind: 'screening-batch-applied',
    payload: { importId: d.importId, batch: d.batch, applied: d.applied, unchanged: d.unchanged, rejected: d.rejected },
  };
}

/** A visit or meeting that fell due without being recorded as held, for the school system's inbox. */
export function mapCareEventForSchool(event: VerifiedEvent) {
  if (event.type !== CARE_EVENT_TYPES.taskOverdue) return null;
  const d = event.data as CareTaskOverdueData;
  return {
    kind: 'care-task-overdue',
    payload: { taskId: d.taskId, kind: d.kind, cause: d.cause, subjectId: d.subjectId, assignee: d.assigneeUserId, dueAt: d.dueAt },
  };
}
