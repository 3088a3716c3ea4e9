import { randomUUID } from 'node:crypto';
import type { CarePolicy, CareTask, ObservationTrigger, StudentCarer } from './care-task.js';

const DAY = 24 * 3600_000;
const HOUR = 3600_000;

/** Whom a home visit falls to: the student's mentor, else the class teacher, else the psychology staff (null). */
export function visitAssignee(carers: readonly StudentCarer[]): string | null {
  return carers.find((c) => c.role === 'MENTOR')?.userId ?? carers.find((c) => c.role === 'CLASS_TEACHER')?.userId ?? null;
}

type Base = Pick<CareTask, 'schoolAgencyId' | 'subjectId'>;

function task(base: Base, fields: Pick<CareTask, 'kind' | 'cause' | 'dueAt' | 'assigneeUserId'> & Partial<CareTask>, now: Date): CareTask {
  return {
    id: randomUUID(),
    warningId: null,
    observationId: null,
    createdAt: now,
    doneAt: null,
    doneBy: null,
    outcome: null,
    overdueRaisedAt: null,
    ...base,
    ...fields,
  };
}

/** R13: any of the four triggers means a home visit, due at once (one visit however many triggers were seen). */
export function triggerTasks(
  base: Base & { observationId: string },
  triggers: readonly ObservationTrigger[],
  carers: readonly StudentCarer[],
  observedAt: Date,
  policy: CarePolicy,
  now: Date,
) {
  if (triggers.length === 0) return [];
  return [
    task(
      base,
      {
        kind: 'HOME_VISIT',
        cause: [...triggers].sort().join('+'),
        observationId: base.observationId,
        assigneeUserId: visitAssignee(carers),
        dueAt: new Date(observedAt.getTime() + policy.triggerVisitHours * HOUR),
      },
      now,
    ),
  ];
}

/** R21 and R30: a listed student gets the psychology teacher's weekly meeting and an in-person home visit. */
export function listedTasks(
  entry: Base & { warningId: string; ownerUserId: string },
  carers: readonly StudentCarer[],
  policy: CarePolicy,
  now: Date,
): CareTask[] {
  return [
    task(
      entry,
      {
        kind: 'WEEKLY_MEETING',
        cause: 'LISTED',
        warningId: entry.warningId,
        assigneeUserId: entry.ownerUserId,
        dueAt: new Date(now.getTime() + policy.weeklyMeetingDays * DAY),
      },
      now,
    ),
    task(
      entry,
      {
        kind: 'HOME_VISIT',
        cause: 'LISTED',
        warningId: entry.warningId,
        assigneeUserId: visitAssignee(carers) ?? entry.ownerUserId,
        dueAt: new Date(now.getTime() + policy.listedHomeVisitDays * DAY),
      },
      now,
    ),
  ];
}

/** The next weekly meeting, counted from the one just held, while the student stays listed. */
export function nextWeeklyMeeting(done: CareTask, heldAt: Date, policy: CarePolicy, now: Date): CareTask {
  return task(
    { schoolAgencyId: done.schoolAgencyId, subjectId: done.subjectId },
    {
      kind: 'WEEKLY_MEETING',
      cause: 'WEEKLY',
      warningId: done.warningId,
      assigneeUserId: done.assigneeUserId,
      dueAt: new Date(heldAt.getTime() + policy.weeklyMeetingDays * DAY),
    },
    now,
  );
}
