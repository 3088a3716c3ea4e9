import type { VerifiedEvent } from '../../adapters/messaging/signed-event.js';
import { CARE_EVENT_TYPES, type CareTaskOverdueData } from '../../core/warning/care-events.js';
import {
  ENROLMENT_EVENT_TYPES,
  type EnrolmentAppliedReceived,
  type EnrolmentTransferCompletedData,
  type EnrolmentTransferRequestedData,
} from '../../core/enrolment/enrolment-events.js';
import { SIGNAL_EVENT_TYPES, type SignalGuidanceForwardedData, type SignalNoticeData, type SignalNoticesData } from '../../core/signal/signal-events.js';
import { SCREENING_EVENT_TYPES, type ScreeningBatchAppliedReceived } from '../../core/warning/screening-events.js';

/** What the hub did with one batch of an import, for the school system's inbox (README "Screening import"). */
export function mapScreeningEventForSchool(event: VerifiedEvent) {
  if (event.type !== SCREENING_EVENT_TYPES.batchApplied) return null;
  const d = event.data as ScreeningBatchAppliedReceived;
  // Each refused row as the hub sent it, with its `code`; an event from a hub older than codes has rows without one.
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

/** What the hub did with a batch of register changes, and transfers asked of the school or completed for it. */
export function mapEnrolmentEventForSchool(event: VerifiedEvent) {
  if (event.type === ENROLMENT_EVENT_TYPES.applied) {
    const d = event.data as EnrolmentAppliedReceived;
    // Each refused line as the hub sent it, with its `code`; an event from a hub older than codes has lines without one.
    return {
      kind: 'enrolment-applied',
      payload: { batchId: d.batchId, batch: d.batch, enrolled: d.enrolled, pending: d.pending, left: d.left, unchanged: d.unchanged, rejected: d.rejected },
    };
  }
  if (event.type === ENROLMENT_EVENT_TYPES.transferRequested) {
    const d = event.data as EnrolmentTransferRequestedData;
    return {
      kind: 'enrolment-transfer-requested',
      payload: { pseudonym: d.pseudonym, studentNumber: d.studentNumber, toSchoolAgencyId: d.toSchoolAgencyId, on: d.on },
    };
  }
  if (event.type === ENROLMENT_EVENT_TYPES.transferCompleted) {
    const d = event.data as EnrolmentTransferCompletedData;
    return { kind: 'enrolment-transfer-completed', payload: { pseudonym: d.pseudonym, studentNumber: d.studentNumber, since: d.since } };
  }
  return null;
}

/** A police signal routed to the school ("handle with care": category, severity, deadline), and police guidance. */
export function mapSignalEventForSchool(event: VerifiedEvent) {
  const noticeItem = (d: SignalNoticeData) => ({
    kind: 'signal-notice',
    payload: {
      signalId: d.signalId,
      subjectId: d.subjectId,
      category: d.category,
      severity: d.severity,
      episodeId: d.episodeId,
      acknowledgeBy: d.acknowledgeBy,
    },
  });
  if (event.type === SIGNAL_EVENT_TYPES.notice) return noticeItem(event.data as SignalNoticeData);
  // A batch's notices for this school arrive in one event and become one inbox item each.
  if (event.type === SIGNAL_EVENT_TYPES.notices) return (event.data as SignalNoticesData).notices.map(noticeItem);
  if (event.type === SIGNAL_EVENT_TYPES.guidanceForwarded) {
    const d = event.data as SignalGuidanceForwardedData;
    return { kind: 'signal-guidance', payload: { signalId: d.signalId, subjectId: d.subjectId, text: d.text, givenAt: d.givenAt } };
  }
  return null;
}
