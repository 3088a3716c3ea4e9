import { randomUUID } from 'node:crypto';
import { createPolicyGate } from '../access/policy-gate.js';
import type { Clock } from '../clock.js';
import { BadUserInputError, NotFoundError, OpenWarningExistsError } from '../errors.js';
import type { AuditLog } from '../ports/audit-log.js';
import type { DirectoryStore } from '../ports/directory.js';
import type { PolicyEngine, PolicyResource, Principal } from '../ports/policy-engine.js';
import type { Transaction, UnitOfWork } from '../ports/unit-of-work.js';
import { parseInput } from '../validation/parse-input.js';
import { nextAssessmentState } from './assessment-state-machine.js';
import {
  decisionInput,
  guardianNoticeInput,
  interviewInput,
  proposeInput,
  warningCommand,
  warningPolicyAction,
  type WarningCommand,
} from './warning-commands.js';
import type { WarningAssessment, WarningEntry } from './warning-entry.js';
import { assessmentResource, warningResource } from './warning-resource.js';
import { isOpenWarningState, nextWarningState } from './warning-state-machine.js';
import type { WarningStore } from './warning-store.js';
import { specialAttentionKindsInput, type SpecialAttentionKind } from './special-attention.js';
import type { CareStore } from './care-store.js';
import { DEFAULT_CARE_POLICY, type CarePolicy } from './care-task.js';
import { listedTasks } from './warning-cadence.js';

export interface WarningServiceDeps {
  uow: UnitOfWork;
  warnings: WarningStore;
  directory: DirectoryStore;
  audit: AuditLog;
  policy: PolicyEngine;
  clock: Clock;
  /** Where a listed student's weekly meetings and home visit are booked, in the transaction that lists them. */
  care: CareStore;
  carePolicy?: Partial<CarePolicy>;
}

export interface WarningCallContext {
  correlationId?: string;
}

/**
 * The warning register's use cases: propose a student, record the assessment interview, let the crisis-assessment
 * group decide, and manage the entry until it is lifted. Every step asks the policy first (purpose `warning`: the
 * school's statutory duty of care), is audited, and commits with its history line in one transaction.
 */
export function createWarningService(deps: WarningServiceDeps) {
  const { warnings, directory, clock } = deps;
  const carePolicy: CarePolicy = { ...DEFAULT_CARE_POLICY, ...deps.carePolicy };
  const gateFor = (correlationId: string | null) => createPolicyGate({ policy: deps.policy, audit: deps.audit, clock, correlationId, purpose: 'warning' });

  /** Tags must be kinds the school's district tracks, once it has said which; until then any slug is taken. */
  async function checkTags(schoolAgencyId: string, tags: readonly string[] | null | undefined): Promise<void> {
    if (!tags || tags.length === 0) return;
    const districtId = (await directory.agencies.find(schoolAgencyId))?.districtId ?? '';
    const kinds = districtId ? await warnings.specialAttentionKinds(districtId) : [];
    if (kinds.length === 0) return;
    const known = new Set(kinds.map((k) => k.code));
    if (tags.some((t) => !known.has(t))) throw new BadUserInputError('A tag is not a special-attention kind the district tracks.', { field: 'tags' });
  }

  /** A date a person reports (an interview, a notice) cannot lie in the future: it would corrupt every cadence. */
  function notFuture(at: Date | null | undefined, field: string): void {
    if (at && at.getTime() > clock.now().getTime() + 60_000) throw new BadUserInputError(`${field} cannot be in the future.`, { field });
  }

  async function entryResource(entry: Pick<WarningEntry, 'schoolAgencyId' | 'state' | 'subjectId'>): Promise<PolicyResource> {
    return warningResource(entry, directory);
  }

  /** Any staff member of the child's school puts the child forward; an unknown child and another school's alike. */
  async function propose(principal: Principal | null, rawInput: unknown, ctx: WarningCallContext = {}): Promise<WarningAssessment> {
    const input = parseInput(proposeInput, rawInput, 'proposal');
    const correlationId = ctx.correlationId ?? randomUUID();
    const subject = await directory.findSubject(input.subjectId);
    const gate = gateFor(correlationId);
    await gate.require(
      principal,
      'warning.propose',
      { subjectId: input.subjectId, type: 'subject', schoolAgencyId: subject?.schoolAgencyId ?? '' },
      input.subjectId,
      {
        concealAs: 'subject',
      },
    );
    if (!subject) throw new NotFoundError('subject');
    const assessment: WarningAssessment = {
      id: randomUUID(),
      subjectId: subject.id,
      schoolAgencyId: subject.schoolAgencyId,
      state: nextAssessmentState(null, 'PROPOSE'),
      proposedBy: principal?.userId ?? '',
      proposedAt: clock.now(),
      proposalReason: input.reason,
      interview: null,
      decision: null,
      warningId: null,
      correlationId,
    };
    // Every proposal is filed, whatever is already open for the child: refusing one would tell any staff member that
    // the child is listed or under assessment. Concurrent proposals are the psychology staff's to merge or dismiss;
    // only the group's confirmation meets an entry that is already open (OPEN_WARNING_EXISTS, to the crisis team).
    await deps.uow.withTransaction((tx) => warnings.insertAssessment(tx, assessment));
    return assessment;
  }

  /** Locks the assessment after the policy allowed `action` on it; missing and hidden answer alike. */
  async function withAssessment<T>(
    principal: Principal | null,
    assessmentId: string,
    action: `warning.${string}`,
    allowed: ((assessment: WarningAssessment) => Promise<void>) | undefined,
    work: (tx: Transaction, assessment: WarningAssessment) => Promise<T>,
  ): Promise<T> {
    const current = await warnings.findAssessment(assessmentId);
    const gate = gateFor(current?.correlationId ?? null);
    await gate.require(
      principal,
      action,
      current ? assessmentResource(current) : { type: 'warning-assessment', schoolAgencyId: '', proposedBy: '', state: 'NONE' },
      assessmentId,
      { concealAs: 'assessment' },
    );
    if (!current) throw new NotFoundError('assessment');
    await allowed?.(current);
    return deps.uow.withTransaction(async (tx) => {
      const locked = await warnings.lockAssessment(tx, assessmentId);
      if (!locked) throw new NotFoundError('assessment');
      return work(tx, locked);
    });
  }

  async function recordInterview(principal: Principal | null, assessmentId: string, rawInput: unknown): Promise<WarningAssessment> {
    const input = parseInput(interviewInput, rawInput, 'interview');
    notFuture(input.at, 'at');
    return withAssessment(principal, assessmentId, 'warning.record-interview', undefined, async (tx, locked) => {
      const next: WarningAssessment = {
        ...locked,
        state: nextAssessmentState(locked.state, 'RECORD_INTERVIEW'),
        interview: {
          by: principal?.userId ?? '',
          at: input.at ?? clock.now(),
          summary: input.summary,
          familyContact: input.familyContact ?? null,
          scales: input.scales,
        },
      };
      await warnings.saveAssessment(tx, next);
      return next;
    });
  }

  /**
   * The crisis-assessment group's decision. A confirmation puts the child on the list (or raises again the entry a
   * past warning left, so that the history follows the child); a dismissal closes the assessment.
   */
  async function decide(principal: Principal | null, assessmentId: string, rawInput: unknown): Promise<WarningAssessment> {
    const input = parseInput(decisionInput, rawInput, 'decision');
    const action = input.outcome === 'CONFIRM' ? 'CONFIRM' : 'DISMISS';
    // Tags are checked once the policy allowed the step: a refused caller learns nothing from the answer.
    const allowed = input.outcome === 'CONFIRM' ? (a: WarningAssessment) => checkTags(a.schoolAgencyId, input.tags) : undefined;
    return withAssessment(principal, assessmentId, warningPolicyAction(action), allowed, async (tx, locked) => {
      const at = clock.now();
      const actor = principal?.userId ?? '';
      const state = nextAssessmentState(locked.state, action);
      if (input.outcome === 'DISMISS') {
        const dismissed: WarningAssessment = { ...locked, state, decision: { by: actor, at, outcome: 'DISMISSED', category: null, note: input.note } };
        await warnings.saveAssessment(tx, dismissed);
        return dismissed;
      }
      const existing = await warnings.findEntryForSubject(tx, locked.schoolAgencyId, locked.subjectId);
      if (existing && isOpenWarningState(existing.state)) throw new OpenWarningExistsError();
      const base = {
        state: nextWarningState(existing?.state ?? null, existing ? 'RERAISE' : 'RAISE'),
        category: input.category,
        ownerUserId: input.ownerUserId,
        tags: input.tags,
        assessmentId: locked.id,
        raisedAt: at,
        updatedAt: at,
        liftedAt: null,
      };
      const warningId = existing?.id ?? randomUUID();
      if (existing) {
        const { history: _history, ...rest } = existing;
        await warnings.saveEntry(tx, { ...rest, ...base });
      } else {
        await warnings.insertEntry(tx, {
          id: warningId,
          subjectId: locked.subjectId,
          schoolAgencyId: locked.schoolAgencyId,
          plan: null,
          guardianNotice: null,
          correlationId: locked.correlationId,
          ...base,
        });
      }
      await warnings.appendStep(tx, warningId, {
        action: existing ? 'RERAISE' : 'RAISE',
        from: existing?.state ?? null,
        to: base.state,
        at,
        actorUserId: actor,
        reason: input.note,
      });
      // R21, R30: listing books the weekly meeting with the owner and the home visit with the mentor.
      const carers = await deps.care.carersOf([locked.subjectId], tx);
      await deps.care.insertTasks(
        tx,
        listedTasks({ schoolAgencyId: locked.schoolAgencyId, subjectId: locked.subjectId, warningId, ownerUserId: input.ownerUserId }, carers, carePolicy, at),
      );
      const confirmed: WarningAssessment = {
        ...locked,
        state,
        warningId,
        decision: { by: actor, at, outcome: 'CONFIRMED', category: input.category, note: input.note },
      };
      await warnings.saveAssessment(tx, confirmed);
      return confirmed;
    });
  }

  /** Locks the entry after the policy allowed `action` on it; missing and hidden answer alike. */
  async function withEntry(
    principal: Principal | null,
    entryId: string,
    action: `warning.${string}`,
    allowed: ((entry: WarningEntry) => Promise<void>) | undefined,
    work: (tx: Transaction, entry: WarningEntry, at: Date) => Promise<void>,
  ): Promise<WarningEntry> {
    const current = await warnings.findEntry(entryId);
    const gate = gateFor(current?.correlationId ?? null);
    await gate.require(
      principal,
      action,
      current ? await entryResource(current) : { type: 'warning', schoolAgencyId: '', schoolDistrictId: '', state: 'NONE' },
      entryId,
      { concealAs: 'warning' },
    );
    if (!current) throw new NotFoundError('warning');
    await allowed?.(current);
    await deps.uow.withTransaction(async (tx) => {
      const locked = await warnings.lockEntry(tx, entryId);
      if (!locked) throw new NotFoundError('warning');
      await work(tx, locked, clock.now());
    });
    const changed = await warnings.findEntry(entryId);
    if (!changed) throw new Error(`Warning entry ${entryId} vanished right after commit.`);
    return changed;
  }

  function applyCommand(entry: WarningEntry, command: WarningCommand, at: Date): Omit<WarningEntry, 'history'> {
    const { history: _history, ...rest } = entry;
    const next = { ...rest, state: nextWarningState(entry.state, command.action), updatedAt: at };
    switch (command.action) {
      case 'ADOPT_PLAN':
        return { ...next, plan: command.plan, ownerUserId: command.ownerUserId ?? entry.ownerUserId, tags: command.tags ?? entry.tags };
      case 'RECATEGORISE':
        return { ...next, category: command.category };
      case 'LIFT':
        return { ...next, liftedAt: at };
      case 'RERAISE':
        return { ...next, category: command.category ?? entry.category, raisedAt: at, liftedAt: null };
      default:
        return next;
    }
  }

  /** Moves an entry one step (review, plan, re-categorise, lift, raise again), with its reason in the history. */
  async function act(principal: Principal | null, entryId: string, rawCommand: unknown): Promise<WarningEntry> {
    const command = parseInput(warningCommand, rawCommand, 'command');
    const allowed = command.action === 'ADOPT_PLAN' ? (e: WarningEntry) => checkTags(e.schoolAgencyId, command.tags) : undefined;
    return withEntry(principal, entryId, warningPolicyAction(command.action), allowed, async (tx, locked, at) => {
      const next = applyCommand(locked, command, at);
      await warnings.saveEntry(tx, next);
      const actor = principal?.userId ?? '';
      // Lifting ends the listing's cadence; raising again starts it afresh (R21, R30).
      if (command.action === 'LIFT') await deps.care.closeOpenTasksOf(tx, entryId, { at, by: actor, outcome: 'Closed: the warning was lifted.' });
      if (command.action === 'RERAISE') {
        const carers = await deps.care.carersOf([locked.subjectId], tx);
        await deps.care.insertTasks(
          tx,
          listedTasks(
            { schoolAgencyId: locked.schoolAgencyId, subjectId: locked.subjectId, warningId: entryId, ownerUserId: next.ownerUserId },
            carers,
            carePolicy,
            at,
          ),
        );
      }
      await warnings.appendStep(tx, entryId, {
        action: command.action,
        from: locked.state,
        to: next.state,
        at,
        actorUserId: principal?.userId ?? '',
        reason: 'reason' in command ? command.reason : null,
      });
    });
  }

  /** Records the written status notice to the guardians (R28): when, how, by whom, and their acknowledgement. */
  async function recordGuardianNotice(principal: Principal | null, entryId: string, rawInput: unknown): Promise<WarningEntry> {
    const input = parseInput(guardianNoticeInput, rawInput, 'guardian notice');
    notFuture(input.givenAt, 'givenAt');
    notFuture(input.acknowledgedAt, 'acknowledgedAt');
    if (input.acknowledgedAt && input.acknowledgedAt < input.givenAt)
      throw new BadUserInputError('The guardians cannot acknowledge a notice before it was given.', { field: 'acknowledgedAt' });
    return withEntry(principal, entryId, 'warning.record-guardian-notice', undefined, async (tx, locked, at) => {
      const { history: _history, ...rest } = locked;
      await warnings.saveEntry(tx, {
        ...rest,
        updatedAt: at,
        guardianNotice: { givenAt: input.givenAt, channel: input.channel, givenBy: input.givenBy, acknowledgedAt: input.acknowledgedAt ?? null },
      });
    });
  }

  /** R14: the district's bureau says which special-attention kinds its schools tag entries with. */
  async function setSpecialAttentionKinds(principal: Principal | null, rawKinds: unknown): Promise<SpecialAttentionKind[]> {
    const kinds = parseInput(specialAttentionKindsInput, rawKinds, 'kinds');
    const districtId = principal?.districtId ?? '';
    await gateFor(null).require(principal, 'warning.configure-kinds', { type: 'district', districtId }, districtId || null);
    await deps.uow.withTransaction((tx) => warnings.setSpecialAttentionKinds(tx, districtId, kinds));
    return warnings.specialAttentionKinds(districtId);
  }

  return { propose, recordInterview, decide, act, recordGuardianNotice, setSpecialAttentionKinds };
}

export type WarningService = ReturnType<typeof createWarningService>;
