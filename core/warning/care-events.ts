import { z } from 'zod';
import { identifier } from '../safe-text.js';

/** Events of the care around listed students (README "Care tasks and cadences"). */
export const CARE_EVENT_TYPES = {
  /** Hub → school: a home visit or weekly meeting fell due without being recorded as held. */
  taskOverdue: 'org.careloop.warning.task-overdue.v1',
} as const;

const isoDate = z.iso.datetime({ offset: true });

export const careTaskOverdueData = z.object({
  taskId: z.uuid(),
  kind: z.enum(['HOME_VISIT', 'WEEKLY_MEETING']),
  cause: z.string().max(100),
  subjectId: identifier,
  assigneeUserId: identifier.nullable(),
  dueAt: isoDate,
  raisedAt: isoDate,
});
export type CareTaskOverdueData = z.infer<typeof careTaskOverdueData>;

export const CARE_EVENT_SCHEMAS = { [CARE_EVENT_TYPES.taskOverdue]: careTaskOverdueData } as const;
