import type { DisclosedWarning, WarningReader } from '../../core/warning/warning-reader.js';
import type { WarningService } from '../../core/warning/warning-service.js';
import type { CareService } from '../../core/warning/care-service.js';
import type { CareCoverage } from '../../core/warning/care-task.js';
import { availableWarningActions } from '../../core/warning/warning-state-machine.js';
import type { GatewayContext } from '../context.js';
import { formatWarningExport } from './warning-export.js';
import { WARNING_COUNTS, type WarningCounts } from '../../core/warning/warning-counters.js';

/** The warning module's part of the request context. */
export interface WarningContext extends GatewayContext {
  warning: { reader: WarningReader; service: WarningService; care: CareService };
}

type Args = Record<string, unknown> & { id: string };

/** One mutation per step: each turns its arguments into the command the service validates. */
function step(toCommand: (args: Args) => Record<string, unknown>) {
  return async (_: unknown, args: Args, ctx: WarningContext) => {
    const changed = await ctx.warning.service.act(ctx.principal, args.id, toCommand(args));
    return ctx.warning.reader.warning(changed.id);
  };
}

export const warningResolvers = {
  Query: {
    districtCareCoverage: (_: unknown, args: { at?: Date | null }, ctx: WarningContext) =>
      ctx.warning.reader.districtCareCoverage(
        args.at ?? ctx.clock.now(),
        { termStarts: ctx.warning.care.policy.termStarts },
        ctx.warning.care.policy.mentorsPerClass,
      ),
    specialAttentionKinds: (_: unknown, _args: unknown, ctx: WarningContext) => ctx.warning.reader.specialAttentionKinds(),
    myStudents: (_: unknown, args: unknown, ctx: WarningContext) => ctx.warning.reader.myStudents(args),
    careTasks: (_: unknown, args: unknown, ctx: WarningContext) => ctx.warning.reader.careTasks(args),
    districtWarningCounters: async (_: unknown, args: { from: Date; to: Date }, ctx: WarningContext) => {
      const counted = await ctx.warning.reader.districtCounters(args.from, args.to);
      const total = Object.fromEntries(WARNING_COUNTS.map((k) => [k, counted.schools.reduce((n, s) => n + s[k], 0)])) as Omit<WarningCounts, 'schoolAgencyId'>;
      const kinds = new Map<string, number>();
      for (const s of counted.schools) for (const k of s.currentByKind) kinds.set(k.kind, (kinds.get(k.kind) ?? 0) + k.count);
      return {
        districtId: counted.districtId,
        from: args.from,
        to: args.to,
        schools: counted.schools,
        total: { schoolAgencyId: '', ...total, currentByKind: [...kinds].sort().map(([kind, count]) => ({ kind, count })) },
      };
    },
    warningListExport: async (_: unknown, args: { format: 'CSV' | 'JSON' }, ctx: WarningContext) =>
      formatWarningExport(await ctx.warning.reader.exportEntries(), args.format, ctx.principal.agencyId, ctx.clock.now()),
    screeningResults: (_: unknown, args: { subjectId: string; first?: number | null }, ctx: WarningContext) =>
      ctx.warning.reader.screenings(args.subjectId, args.first ?? 50),
    warnings: (_: unknown, args: unknown, ctx: WarningContext) => ctx.warning.reader.warnings(args),
    warning: (_: unknown, args: Args, ctx: WarningContext) => ctx.warning.reader.warning(args.id),
    warningAssessments: (_: unknown, args: unknown, ctx: WarningContext) => ctx.warning.reader.assessments(args),
    warningAssessment: (_: unknown, args: Args, ctx: WarningContext) => ctx.warning.reader.assessment(args.id),
  },
  Mutation: {
    recordCarerContact: async (_: unknown, args: unknown, ctx: WarningContext) => {
      await ctx.warning.care.recordContact(ctx.principal, args);
      return true;
    },
    setSpecialAttentionKinds: (_: unknown, args: { kinds: unknown }, ctx: WarningContext) =>
      ctx.warning.service.setSpecialAttentionKinds(ctx.principal, args.kinds),
    assignCarer: async (_: unknown, args: unknown, ctx: WarningContext) => {
      await ctx.warning.care.assignCarer(ctx.principal, args);
      return true;
    },
    removeCarer: (_: unknown, args: unknown, ctx: WarningContext) => ctx.warning.care.removeCarer(ctx.principal, args),
    recordObservation: async (_: unknown, args: { input: unknown }, ctx: WarningContext) => {
      const { observation, tasks } = await ctx.warning.care.recordObservation(ctx.principal, args.input, { correlationId: ctx.correlationId });
      return { observationId: observation.id, tasksCreated: tasks.length };
    },
    completeCareTask: async (_: unknown, args: Args & { outcome: string; at?: Date | null }, ctx: WarningContext) => {
      const done = await ctx.warning.care.completeTask(ctx.principal, args.id, { outcome: args.outcome, at: args.at });
      return ctx.warning.reader.careTask(done.id);
    },
    proposeForAssessment: async (_: unknown, args: { subjectId: string; reason: string }, ctx: WarningContext) => {
      const proposed = await ctx.warning.service.propose(ctx.principal, args, { correlationId: ctx.correlationId });
      return ctx.warning.reader.assessment(proposed.id);
    },
    recordAssessmentInterview: async (_: unknown, args: Args & { interview: unknown }, ctx: WarningContext) => {
      await ctx.warning.service.recordInterview(ctx.principal, args.id, args.interview);
      return ctx.warning.reader.assessment(args.id);
    },
    confirmAssessment: async (_: unknown, args: Args & { decision: Record<string, unknown> }, ctx: WarningContext) => {
      await ctx.warning.service.decide(ctx.principal, args.id, { outcome: 'CONFIRM', ...args.decision, tags: args.decision.tags ?? [] });
      return ctx.warning.reader.assessment(args.id);
    },
    dismissAssessment: async (_: unknown, args: Args & { note: string }, ctx: WarningContext) => {
      await ctx.warning.service.decide(ctx.principal, args.id, { outcome: 'DISMISS', note: args.note });
      return ctx.warning.reader.assessment(args.id);
    },
    reviewWarning: step((a) => ({ action: 'REVIEW', reason: a.reason })),
    adoptWarningPlan: step((a) => ({ action: 'ADOPT_PLAN', plan: a.plan, ownerUserId: a.ownerUserId, tags: a.tags })),
    recategoriseWarning: step((a) => ({ action: 'RECATEGORISE', category: a.category, reason: a.reason })),
    liftWarning: step((a) => ({ action: 'LIFT', reason: a.reason })),
    reraiseWarning: step((a) => ({ action: 'RERAISE', reason: a.reason, category: a.category })),
    recordWarningGuardianNotice: async (_: unknown, args: Args & { notice: unknown }, ctx: WarningContext) => {
      await ctx.warning.service.recordGuardianNotice(ctx.principal, args.id, args.notice);
      return ctx.warning.reader.warning(args.id);
    },
  },
  SchoolCareCoverage: {
    school: (c: CareCoverage, _: unknown, ctx: WarningContext) => ctx.directory.find(c.schoolAgencyId),
    studentsPerMentor: (c: CareCoverage) => (c.mentors === 0 ? 0 : c.studentsWithMentor / c.mentors),
    classTeacherVisitCoverage: (c: CareCoverage) => (c.studentsWithClassTeacher === 0 ? 1 : c.classTeacherVisitedThisYear / c.studentsWithClassTeacher),
  },
  SchoolWarningCounters: {
    school: (counts: WarningCounts, _: unknown, ctx: WarningContext) => (counts.schoolAgencyId ? ctx.directory.find(counts.schoolAgencyId) : null),
    homeVisitCoverage: (counts: WarningCounts) => (counts.current === 0 ? 1 : counts.homeVisited / counts.current),
  },
  GuardianChild: {
    warning: (child: { subjectId: string; schoolAgencyId: string }, _: unknown, ctx: WarningContext) => ctx.warning.reader.entryOfChild(child),
  },
  WarningEntry: {
    // Derived from the state, so shown only with it.
    availableActions: (entry: DisclosedWarning) => (entry.state ? availableWarningActions(entry.state) : null),
  },
};
