import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { createPolicyGate } from '../access/policy-gate.js';
import type { Clock } from '../clock.js';
import { BadUserInputError, NotFoundError } from '../errors.js';
import { agencyTopic } from '../messages/topics.js';
import type { AuditLog } from '../ports/audit-log.js';
import type { DirectoryStore } from '../ports/directory.js';
import type { PolicyEngine, Principal } from '../ports/policy-engine.js';
import type { UnitOfWork } from '../ports/unit-of-work.js';
import { identifier, safeText } from '../safe-text.js';
import { parseInput } from '../validation/parse-input.js';
import type { CareStore } from './care-store.js';
import { DEFAULT_CARE_POLICY, OBSERVATION_TRIGGERS, type CarePolicy, type CareTask, type CarerContact, type Observation } from './care-task.js';
import { CARE_EVENT_TYPES } from './care-events.js';
import { nextWeeklyMeeting, triggerTasks } from './warning-cadence.js';
import { careTaskResource } from './warning-resource.js';

const carerInput = z.object({ subjectId: identifier, userId: identifier, role: z.enum(['MENTOR', 'CLASS_TEACHER']) }).strict();
const observationInput = z
  .object({
    subjectId: identifier,
    triggers: z.array(z.enum(OBSERVATION_TRIGGERS)).max(4).default([]),
    note: safeText({ max: 2000, what: 'note' }),
    observedAt: z.coerce.date().optional().nullable(),
    observerKind: z.enum(['STAFF', 'PEER']).default('STAFF'),
  })
  .strict();
const contactInput = z
  .object({
    subjectId: identifier,
    kind: z.enum(['TALK', 'HOME_CONTACT', 'HOME_VISIT']),
    note: safeText({ max: 2000, what: 'note' }),
    at: z.coerce.date().optional().nullable(),
  })
  .strict();
const completionInput = z.object({ outcome: safeText({ max: 2000, what: 'outcome' }), at: z.coerce.date().optional().nullable() }).strict();

/**
 * The care around a student (R09-R13, R21-R22, R30): who the student's mentor and class teacher are, what staff
 * observe, and the visits and meetings owed, with due dates and an overdue watch. Purpose `warning`, decided in
 * warning.rego like the rest of the register.
 */
export function createCareService(deps: {
  uow: UnitOfWork;
  care: CareStore;
  directory: DirectoryStore;
  audit: AuditLog;
  policy: PolicyEngine;
  clock: Clock;
  carePolicy?: Partial<CarePolicy>;
  onOutgoing?: () => void;
}) {
  const policy: CarePolicy = { ...DEFAULT_CARE_POLICY, ...deps.carePolicy };
  const gateFor = (correlationId?: string) =>
    createPolicyGate({ policy: deps.policy, audit: deps.audit, clock: deps.clock, correlationId: correlationId ?? null, purpose: 'warning' });

  /** The subject after the policy allowed `action` on it; another school's and an unknown child answer alike. */
  async function subjectFor(principal: Principal | null, subjectId: string, action: `warning.${string}`, correlationId?: string) {
    const subject = await deps.directory.findSubject(subjectId);
    await gateFor(correlationId).require(principal, action, { subjectId, type: 'subject', schoolAgencyId: subject?.schoolAgencyId ?? '' }, subjectId, {
      concealAs: 'subject',
    });
    if (!subject) throw new NotFoundError('subject');
    return subject;
  }

  return {
    policy,

    /** R11: the psychology staff assign a mentor or class teacher to a student. */
    async assignCarer(principal: Principal | null, rawInput: unknown): Promise<void> {
      const input = parseInput(carerInput, rawInput, 'carer');
      const subject = await subjectFor(principal, input.subjectId, 'warning.assign-carer');
      await deps.uow.withTransaction((tx) =>
        deps.care.assignCarer(tx, {
          schoolAgencyId: subject.schoolAgencyId,
          subjectId: subject.id,
          userId: input.userId,
          role: input.role,
          assignedAt: deps.clock.now(),
        }),
      );
    },

    async removeCarer(principal: Principal | null, rawInput: unknown): Promise<boolean> {
      const input = parseInput(carerInput, rawInput, 'carer');
      const subject = await subjectFor(principal, input.subjectId, 'warning.assign-carer');
      return deps.uow.withTransaction((tx) => deps.care.removeCarer(tx, subject.id, input.userId, input.role));
    },

    /** R09-R10, R13: any staff member files what they saw; a trigger means a home visit due at once. */
    async recordObservation(
      principal: Principal | null,
      rawInput: unknown,
      ctx: { correlationId?: string } = {},
    ): Promise<{ observation: Observation; tasks: CareTask[] }> {
      const input = parseInput(observationInput, rawInput, 'observation');
      const subject = await subjectFor(principal, input.subjectId, 'warning.observe', ctx.correlationId);
      const now = deps.clock.now();
      const observedAt = input.observedAt ?? now;
      if (observedAt.getTime() > now.getTime() + 60_000) throw new BadUserInputError('An observation cannot be in the future.', { field: 'observedAt' });
      const observation: Observation = {
        id: randomUUID(),
        schoolAgencyId: subject.schoolAgencyId,
        subjectId: subject.id,
        observerUserId: principal?.userId ?? '',
        observerKind: input.observerKind,
        triggers: [...new Set(input.triggers)],
        note: input.note,
        observedAt,
        recordedAt: now,
      };
      const carers = await deps.care.carersOf([subject.id]);
      const tasks = triggerTasks({ ...observation, observationId: observation.id }, observation.triggers, carers, observedAt, policy, now);
      await deps.uow.withTransaction(async (tx) => {
        await deps.care.insertObservation(tx, observation);
        await deps.care.insertTasks(tx, tasks);
      });
      return { observation, tasks };
    },

    /** R12, R31: a mentor or class teacher records a talk, home contact or home visit with one of their students. */
    async recordContact(principal: Principal | null, rawInput: unknown): Promise<CarerContact> {
      const input = parseInput(contactInput, rawInput, 'contact');
      const subject = await deps.directory.findSubject(input.subjectId);
      const carers = subject ? await deps.care.carersOf([subject.id]) : [];
      await gateFor().require(
        principal,
        'warning.record-contact',
        { subjectId: input.subjectId, type: 'care-flag', schoolAgencyId: subject?.schoolAgencyId ?? '' },
        input.subjectId,
        { concealAs: 'subject' },
      );
      const mine = carers.filter((c) => c.userId === principal?.userId);
      const role = mine.find((c) => c.role === (principal?.role === 'class-teacher' ? 'CLASS_TEACHER' : 'MENTOR'))?.role ?? mine[0]?.role;
      if (!subject || !role) throw new NotFoundError('subject');
      const now = deps.clock.now();
      const at = input.at ?? now;
      if (at.getTime() > now.getTime() + 60_000) throw new BadUserInputError('A contact cannot be in the future.', { field: 'at' });
      const contact: CarerContact = {
        id: randomUUID(),
        schoolAgencyId: subject.schoolAgencyId,
        subjectId: subject.id,
        carerUserId: principal?.userId ?? '',
        carerRole: role,
        kind: input.kind,
        at,
        note: input.note,
        recordedAt: now,
      };
      await deps.uow.withTransaction((tx) => deps.care.insertContact(tx, contact));
      return contact;
    },

    /** The assignee (or the psychology staff) records a visit or meeting as held; a weekly meeting books the next. */
    async completeTask(principal: Principal | null, taskId: string, rawInput: unknown): Promise<CareTask> {
      const input = parseInput(completionInput, rawInput, 'completion');
      const current = await deps.care.findTask(taskId);
      await gateFor().require(
        principal,
        'warning.complete-task',
        current ? careTaskResource(current) : { type: 'care-task', schoolAgencyId: '', assigneeUserId: '' },
        taskId,
        { concealAs: 'task' },
      );
      if (!current) throw new NotFoundError('task');
      const now = deps.clock.now();
      const heldAt = input.at ?? now;
      // A visit held "in the future" would book the next meeting past any deadline the watch could raise.
      if (heldAt.getTime() > now.getTime() + 60_000) throw new BadUserInputError('A visit or meeting cannot be held in the future.', { field: 'at' });
      await deps.uow.withTransaction(async (tx) => {
        const locked = await deps.care.lockTask(tx, taskId);
        if (!locked) throw new NotFoundError('task');
        if (locked.doneAt) throw new BadUserInputError('The task is already done.', { field: 'id' });
        await deps.care.completeTask(tx, taskId, { at: heldAt, by: principal?.userId ?? '', outcome: input.outcome });
        if (locked.kind === 'WEEKLY_MEETING' && (await deps.care.listedAmong(locked.schoolAgencyId, [locked.subjectId], tx)).has(locked.subjectId))
          await deps.care.insertTasks(tx, [nextWeeklyMeeting(locked, heldAt, policy, now)]);
      });
      const done = await deps.care.findTask(taskId);
      if (!done) throw new Error(`Task ${taskId} vanished right after commit.`);
      return done;
    },

    /**
     * Records every task that fell due without being done, once, and tells the school's system. Safe to run any
     * number of times; the hub runs it on a timer.
     */
    async raiseOverdueTasks(batchSize = 200): Promise<number> {
      let raised = 0;
      for (;;) {
        const now = deps.clock.now();
        const batch = await deps.uow.withTransaction(async (tx) => {
          const overdue = await deps.care.markOverdue(tx, now, batchSize);
          for (const t of overdue)
            await deps.uow.enqueueEvent(tx, agencyTopic(t.schoolAgencyId), {
              id: randomUUID(),
              type: CARE_EVENT_TYPES.taskOverdue,
              subject: t.id,
              recipient: t.schoolAgencyId,
              data: {
                taskId: t.id,
                kind: t.kind,
                cause: t.cause,
                subjectId: t.subjectId,
                assigneeUserId: t.assigneeUserId,
                dueAt: t.dueAt.toISOString(),
                raisedAt: now.toISOString(),
              },
              time: now,
            });
          return overdue.length;
        });
        raised += batch;
        if (batch > 0) deps.onOutgoing?.();
        if (batch < batchSize) return raised;
      }
    },
  };
}

export type CareService = ReturnType<typeof createCareService>;
