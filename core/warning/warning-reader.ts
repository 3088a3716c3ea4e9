import { disclose, shownAs } from '../access/disclosure.js';
import { createPolicyGate } from '../access/policy-gate.js';
import type { Clock } from '../clock.js';
import { BadUserInputError, NotFoundError } from '../errors.js';
import type { AuditLog } from '../ports/audit-log.js';
import type { DirectoryStore } from '../ports/directory.js';
import type { PolicyAction, PolicyEngine, PolicyResource, Principal } from '../ports/policy-engine.js';
import { parseInput } from '../validation/parse-input.js';
import { assessmentListArgs, warningListArgs } from './warning-commands.js';
import type { WarningAssessment, WarningEntry } from './warning-entry.js';
import { emptyWarningCounts, type WarningCounts } from './warning-counters.js';
import type { SpecialAttentionKind } from './special-attention.js';
import { assessmentResource, careTaskResource, warningResource } from './warning-resource.js';
import type { ScreeningResult, ScreeningStore } from './screening-store.js';
import type { CareStore } from './care-store.js';
import type { CareCoverage, CareTask } from './care-task.js';
import { schoolYearOf, termOf, type SchoolCalendar } from './school-calendar.js';
import { decodeCursor, decodeIdCursor, EMPTY_PAGE, encodeCursor, encodeIdCursor, type Page, pageArgs } from '../paging/page-cursor.js';
import { z } from 'zod';
import type { WarningStore } from './warning-store.js';

type Period = { from: Date; to: Date };

export type DisclosedWarning = Partial<WarningEntry> & { id: string };
export type DisclosedAssessment = Partial<WarningAssessment> & { id: string };

/**
 * A request-scoped, policy-checked view of the warning register: one decision per object, all of a page audited in
 * one write, and only the fields the policy allows. What the caller may not see answers like what does not exist.
 */
export function createWarningReader(options: {
  principal: Principal | null;
  warnings: WarningStore;
  screenings: ScreeningStore;
  care: CareStore;
  directory: DirectoryStore;
  audit: AuditLog;
  policy: PolicyEngine;
  clock: Clock;
  correlationId?: string;
  /** Other reasons to handle a student with care (a police signal routed to the school), told as the same bare flag. */
  alsoFlagged?: (schoolAgencyId: string, subjectIds: readonly string[]) => Promise<Set<string>>;
}) {
  const { principal, warnings } = options;
  const gate = createPolicyGate({
    policy: options.policy,
    audit: options.audit,
    clock: options.clock,
    correlationId: options.correlationId ?? null,
    purpose: 'warning',
  });
  // A principal sees at most its own agency's list; the policy decides each entry on it.
  const ownSchool = principal?.agencyId ?? '';

  /**
   * One decision per object of a page, audited in one write: the objects as the caller may see them (and as `keep`
   * still wants them), and the cursor after the last object read.
   */
  async function shownPage<T extends { id: string }>(
    page: { items: T[]; hasMore: boolean },
    action: PolicyAction,
    resourceOf: (item: T) => PolicyResource | Promise<PolicyResource>,
    sortedBy: (item: T) => Date,
    keep: (shown: Partial<T> & { id: string }) => boolean = () => true,
  ): Promise<Page<Partial<T> & { id: string }>> {
    const shown = await gate.discloseEach(principal, action, page.items, resourceOf);
    const last = page.items.at(-1);
    return {
      items: shown.filter(keep),
      endCursor: last ? encodeCursor({ at: sortedBy(last), id: last.id }) : null,
      hasMore: page.hasMore,
    };
  }

  const entryResource = (e: WarningEntry) => warningResource(e, options.directory);

  /** Every entry of the caller's school as the caller may see it, page by page: the list a school exports. */
  async function allVisibleEntries(): Promise<DisclosedWarning[]> {
    const out: DisclosedWarning[] = [];
    let after: { at: Date; id: string } | undefined;
    for (;;) {
      const page = await warnings.listEntries(ownSchool, { first: 100, ...(after ? { after } : {}) });
      out.push(...(await shownPage(page, 'warning.read', entryResource, (e) => e.raisedAt)).items);
      const last = page.items.at(-1);
      if (!page.hasMore || !last) return out;
      after = { at: last.raisedAt, id: last.id };
    }
  }

  return {
    /**
     * A mentor's or class teacher's students with the "handle with care" flag: set while the student is on the
     * warning list or a police signal about them is recent, and nothing else about why (R22; the flag is all a
     * carer is shown, and it does not say which of the two it is).
     */
    async myStudents(rawArgs: unknown): Promise<Page<{ subjectId: string; role?: string; handleWithCare?: boolean }>> {
      const args = parseInput(z.object(pageArgs), rawArgs ?? {}, 'list arguments');
      await gate.require(principal, 'warning.list-my-students', { type: 'collection', of: 'care-flag' }, null);
      const page = await options.care.studentsOf(ownSchool, principal?.userId ?? '', {
        first: args.first ?? 50,
        ...(args.after ? { after: decodeIdCursor(args.after) } : {}),
      });
      const ids = page.items.map((c) => c.subjectId);
      // Who is assigned to whom is the policy's to read (relationships, looked up with the decisions).
      const [listed, flagged] = await Promise.all([
        options.care.listedAmong(ownSchool, ids),
        options.alsoFlagged?.(ownSchool, ids) ?? Promise.resolve(new Set<string>()),
      ]);
      const decisions = await gate.decideEach(
        principal,
        'warning.read-flag',
        page.items.map((c) => ({
          resource: {
            subjectId: c.subjectId,
            type: 'care-flag' as const,
            schoolAgencyId: c.schoolAgencyId,
          },
          resourceId: c.subjectId,
        })),
      );
      const items = page.items
        .map((c, i) =>
          shownAs({ id: c.subjectId, subjectId: c.subjectId, role: c.role, handleWithCare: listed.has(c.subjectId) || flagged.has(c.subjectId) }, decisions[i]),
        )
        .filter((x): x is NonNullable<typeof x> => x !== null)
        .map(({ id: _id, ...rest }) => ({ subjectId: rest.subjectId ?? '', ...rest }));
      const last = page.items.at(-1);
      return { items, endCursor: last ? encodeIdCursor(last.subjectId) : null, hasMore: page.hasMore };
    },

    /** One care task as the caller may see it; NOT_FOUND for one that is not theirs to see. */
    async careTask(id: string): Promise<Partial<CareTask> & { id: string }> {
      const task = await options.care.findTask(id);
      const decision = await gate.require(
        principal,
        'warning.read-task',
        task ? careTaskResource(task) : { type: 'care-task', schoolAgencyId: '', assigneeUserId: '' },
        id,
        { concealAs: 'task' },
      );
      const shown = task ? shownAs(task, decision) : null;
      if (!shown) throw new NotFoundError('task');
      return shown;
    },

    /** Care tasks by due date: the psychology staff see the school's, everybody else their own (R13, R21, R30). */
    async careTasks(rawArgs: unknown): Promise<Page<Partial<CareTask> & { id: string }>> {
      const args = parseInput(z.object({ ...pageArgs, openOnly: z.boolean().optional().nullable() }), rawArgs ?? {}, 'list arguments');
      await gate.require(principal, 'warning.list-tasks', { type: 'collection', of: 'care-task' }, null);
      // Whether the caller sees the school's tasks or only their own: asked once, so the SQL reads nothing else.
      const schoolWide = await gate.decide(principal, 'warning.read-task', { type: 'care-task', schoolAgencyId: ownSchool, assigneeUserId: '' }, null);
      const page = await options.care.listTasks(ownSchool, {
        first: args.first ?? 50,
        ...(args.after ? { after: decodeCursor(args.after) } : {}),
        ...(schoolWide.allow ? {} : { assigneeUserId: principal?.userId ?? '' }),
        ...(args.openOnly ? { openOnly: true } : {}),
      });
      return shownPage(page, 'warning.read-task', careTaskResource, (t) => t.dueAt);
    },

    /** The bureau's warning counters for the schools of its district over [from, to). */
    async districtCounters(
      from: Date,
      to: Date,
    ): Promise<{ districtId: string; schools: Array<WarningCounts & { currentByKind: Array<{ kind: string; count: number }> }> }> {
      if (!(from < to)) throw new BadUserInputError('The period must end after it starts.', { field: 'to' });
      const districtId = principal?.districtId ?? '';
      await gate.require(principal, 'warning.counters', { type: 'district', districtId }, districtId || null);
      const schools = (await options.directory.agencies.list()).filter((a) => a.type === 'school' && a.districtId === districtId);
      const counted = new Map(
        (
          await warnings.countBySchool(
            schools.map((s) => s.id),
            from,
            to,
          )
        ).map((c) => [c.schoolAgencyId, c]),
      );
      const byKind = await warnings.currentByKind(schools.map((s) => s.id));
      return {
        districtId,
        schools: schools.map((s) => ({
          ...(counted.get(s.id) ?? emptyWarningCounts(s.id)),
          currentByKind: byKind.filter((k) => k.schoolAgencyId === s.id).map(({ kind, count }) => ({ kind, count })),
        })),
      };
    },

    /** The district's mentor grid and routine cadences, school by school, for the term and school year of `at` (R11, R12, R31). */
    async districtCareCoverage(
      at: Date,
      calendar: SchoolCalendar,
      mentorsPerClass: number,
    ): Promise<{ districtId: string; term: Period; schoolYear: Period; mentorsPerClass: number; schools: CareCoverage[] }> {
      const districtId = principal?.districtId ?? '';
      await gate.require(principal, 'warning.coverage', { type: 'district', districtId }, districtId || null);
      const schools = (await options.directory.agencies.list()).filter((a) => a.type === 'school' && a.districtId === districtId);
      const term = termOf(at, calendar);
      const schoolYear = schoolYearOf(at, calendar);
      return {
        districtId,
        term,
        schoolYear,
        mentorsPerClass,
        schools: await options.care.coverage(
          schools.map((s) => s.id),
          term,
          schoolYear,
          mentorsPerClass,
        ),
      };
    },

    /** The special-attention kinds of the caller's district (R14): configuration, no personal data. */
    async specialAttentionKinds(): Promise<SpecialAttentionKind[]> {
      const districtId = principal?.districtId ?? '';
      await gate.require(principal, 'warning.read-kinds', { type: 'district', districtId }, districtId || null);
      return warnings.specialAttentionKinds(districtId);
    },

    /** The school's warning list for a report to the provincial platform (README "Warning list export"). */
    async exportEntries(): Promise<DisclosedWarning[]> {
      await gate.require(principal, 'warning.export', { type: 'collection', of: 'warning' }, null);
      return allVisibleEntries();
    },

    /** A student's screening results, most recent first: what the assessment interview starts from (R08). */
    async screenings(subjectId: string, limit = 50): Promise<Array<Partial<ScreeningResult>>> {
      const subject = await options.directory.findSubject(subjectId);
      const decision = await gate.require(
        principal,
        'warning.read-screening',
        { subjectId, type: 'screening-record', schoolAgencyId: subject?.schoolAgencyId ?? '' },
        subjectId,
        {
          concealAs: 'subject',
        },
      );
      if (!subject) throw new NotFoundError('subject');
      const results = await options.screenings.forSubject(subject.schoolAgencyId, subject.id, Math.min(Math.max(limit, 1), 100));
      return results.map((r) => disclose(r, decision.fields));
    },

    async warning(id: string): Promise<DisclosedWarning> {
      const entry = await warnings.findEntry(id);
      const decision = await gate.require(
        principal,
        'warning.read',
        entry ? await warningResource(entry, options.directory) : { type: 'warning', schoolAgencyId: '', schoolDistrictId: '', state: 'NONE' },
        id,
        { concealAs: 'warning' },
      );
      const shown = entry ? shownAs(entry, decision) : null;
      if (!shown) throw new NotFoundError('warning');
      return shown;
    },

    /**
     * A child's entry on their school's list as the caller may see it: what a guardian is shown of it. Null when
     * there is none or the caller may not see it, alike.
     */
    async entryOfChild(child: { subjectId: string; schoolAgencyId: string }): Promise<DisclosedWarning | null> {
      const entry = await warnings.entryOfSubject(child.schoolAgencyId, child.subjectId);
      if (!entry) return null;
      const [shown] = await gate.discloseEach(principal, 'warning.read', [entry], entryResource);
      return shown ?? null;
    },

    async warnings(rawArgs: unknown): Promise<Page<DisclosedWarning>> {
      const args = parseInput(warningListArgs, rawArgs ?? {}, 'list arguments');
      await gate.require(principal, 'warning.list', { type: 'collection', of: 'warning' }, null);
      // One policy question first: may the caller see this school's entries at all? If not, no page is read, so no
      // cursor or `hasMore` can tell them how long the list is.
      const scope = await gate.decide(
        principal,
        'warning.read',
        await warningResource({ schoolAgencyId: ownSchool, state: args.state ?? 'RAISED' }, options.directory),
        null,
      );
      if (!scope.allow) return EMPTY_PAGE;
      const page = await warnings.listEntries(ownSchool, {
        first: args.first ?? 50,
        ...(args.after ? { after: decodeCursor(args.after) } : {}),
        ...(args.state ? { state: args.state } : {}),
      });
      // A state filter matches only a state the caller is shown.
      return shownPage(
        page,
        'warning.read',
        entryResource,
        (e) => e.raisedAt,
        (e) => !args.state || e.state === args.state,
      );
    },

    async assessment(id: string): Promise<DisclosedAssessment> {
      const assessment = await warnings.findAssessment(id);
      const decision = await gate.require(
        principal,
        'warning.read-assessment',
        assessment ? assessmentResource(assessment) : { type: 'warning-assessment', schoolAgencyId: '', proposedBy: '', state: 'NONE' },
        id,
        { concealAs: 'assessment' },
      );
      const shown = assessment ? shownAs(assessment, decision) : null;
      if (!shown) throw new NotFoundError('assessment');
      return shown;
    },

    async assessments(rawArgs: unknown): Promise<Page<DisclosedAssessment>> {
      const args = parseInput(assessmentListArgs, rawArgs ?? {}, 'list arguments');
      await gate.require(principal, 'warning.list-assessments', { type: 'collection', of: 'warning-assessment' }, null);
      // Whether the caller sees the school's assessments or only the proposals they filed themselves: the SQL reads
      // only what the caller may know of, so neither the filter nor the cursor says anything about the rest.
      const schoolWide = await gate.decide(
        principal,
        'warning.read-assessment',
        { type: 'warning-assessment', schoolAgencyId: ownSchool, proposedBy: '', state: args.state ?? 'PROPOSED' },
        null,
      );
      const page = await warnings.listAssessments(ownSchool, {
        first: args.first ?? 50,
        ...(args.after ? { after: decodeCursor(args.after) } : {}),
        ...(schoolWide.allow ? (args.state ? { state: args.state } : {}) : { proposedBy: principal?.userId ?? '' }),
      });
      // A state filter matches only a state the caller is shown: a proposer never learns the outcome from it.
      return shownPage(
        page,
        'warning.read-assessment',
        assessmentResource,
        (a) => a.proposedAt,
        (a) => !args.state || a.state === args.state,
      );
    },
  };
}

export type WarningReader = ReturnType<typeof createWarningReader>;
