import { z } from 'zod';
import { shownAs } from '../access/disclosure.js';
import { createPolicyGate } from '../access/policy-gate.js';
import type { Clock } from '../clock.js';
import { decodeIdCursor, EMPTY_PAGE, encodeIdCursor, type Page, pageArgs } from '../paging/page-cursor.js';
import type { AuditLog } from '../ports/audit-log.js';
import type { PolicyAction, PolicyEngine, PolicyResource, Principal } from '../ports/policy-engine.js';
import { parseInput } from '../validation/parse-input.js';
import type { SchoolReport, Signal } from './signal.js';
import type { SignalService } from './signal-service.js';
import type { SignalStore } from './signal-store.js';

/** A signal as the policy's field names see it: one flat view, cut down per caller by the policy. */
export interface SignalView {
  id: string;
  sourceId: string;
  policeAgencyId: string;
  subjectId: string | null;
  schoolAgencyId: string | null;
  category: string;
  severity: string;
  observedAt: Date;
  receivedAt: Date;
  episodeId: string;
  state: string;
  acknowledgeBy: Date | null;
  overdue: boolean;
  escalatedAt: Date | null;
  acknowledgedAt: Date | null;
  actions: string[];
  acknowledgement: { at: Date; by: string | null; actions: string[]; note: string | null } | null;
  guidance: Array<{ givenAt: Date; text: string }>;
  hasNote: boolean;
}

const listArgs = z.object(pageArgs);
const schoolListArgs = z.object({ ...pageArgs, state: z.enum(['UNMATCHED', 'ROUTED', 'ACKNOWLEDGED']).optional().nullable() });

/** Request-scoped, policy-checked views of signals for schools, police bureaus and district bureaus. */
/** A district-wide list as the policy is asked about it: no signal in particular, only the district. */
const ANY_SIGNAL = {
  type: 'signal',
  policeAgencyId: '',
  policeDistrictId: '',
  schoolAgencyId: '',
  schoolDistrictId: '',
  category: '',
  severity: '',
  state: '',
  escalated: false,
} as const satisfies PolicyResource;

export function createSignalReader(options: {
  principal: Principal | null;
  signals: SignalStore;
  service: SignalService;
  audit: AuditLog;
  policy: PolicyEngine;
  clock: Clock;
  correlationId?: string;
}) {
  const { principal } = options;
  const gate = createPolicyGate({
    policy: options.policy,
    audit: options.audit,
    clock: options.clock,
    correlationId: options.correlationId ?? null,
    purpose: 'signal',
  });
  const now = options.clock.now();

  const view = (s: Signal): SignalView => ({
    id: s.id,
    sourceId: s.sourceId,
    policeAgencyId: s.policeAgencyId,
    subjectId: s.subjectId,
    schoolAgencyId: s.schoolAgencyId,
    category: s.category,
    severity: s.severity,
    observedAt: s.observedAt,
    receivedAt: s.receivedAt,
    episodeId: s.episodeId,
    state: s.state,
    acknowledgeBy: s.dueAt,
    overdue: s.state === 'ROUTED' && s.dueAt !== null && s.dueAt.getTime() < now.getTime(),
    escalatedAt: s.escalatedAt,
    acknowledgedAt: s.acknowledgedAt,
    actions: s.actions,
    acknowledgement: s.acknowledgedAt ? { at: s.acknowledgedAt, by: s.acknowledgedBy, actions: s.actions, note: s.acknowledgementNote } : null,
    guidance: s.guidance.map((g) => ({ givenAt: g.givenAt, text: g.text })),
    hasNote: s.hasNote,
  });

  async function shownPage<T extends { id: string }, V extends { id: string }>(
    page: { items: T[]; hasMore: boolean },
    action: PolicyAction,
    resourceOf: (item: T) => Promise<PolicyResource>,
    toView: (item: T) => V,
  ): Promise<Page<Partial<V> & { id: string }>> {
    const last = page.items.at(-1);
    return {
      items: await gate.discloseEach(principal, action, page.items, resourceOf, toView),
      endCursor: last ? encodeIdCursor(last.id) : null,
      hasMore: page.hasMore,
    };
  }
  /** Whether the policy shows the caller anything of a district-wide list, asked once before it is read. */
  const mayList = async (action: PolicyAction, scope: PolicyResource) => (await gate.decide(principal, action, scope, null)).allow;
  const paging = (args: { first?: number | null; after?: string | null }) => ({
    first: args.first ?? 50,
    ...(args.after ? { after: decodeIdCursor(args.after) } : {}),
  });
  const resourceOf = (s: Signal) => options.service.resourceOf(s);

  /** One signal under the view `action` names (the school's, or the police's status view). */
  async function signalAs(id: string, action: 'signal.read' | 'signal.read-status') {
    const signal = await options.signals.get(id);
    if (!signal) return null;
    const [decision] = await gate.decideEach(principal, action, [{ resource: await resourceOf(signal), resourceId: id }]);
    return shownAs(view(signal), decision);
  }

  return {
    /** The signals routed to the caller's school: category and severity for its psychology staff, never the note. */
    async signals(rawArgs: unknown) {
      const args = parseInput(schoolListArgs, rawArgs ?? {}, 'list arguments');
      await gate.require(principal, 'signal.list', { type: 'collection', of: 'signal' }, null);
      const page = await options.signals.listForSchool(principal?.agencyId ?? '', { ...paging(args), ...(args.state ? { state: args.state } : {}) });
      return shownPage(page, 'signal.read', resourceOf, view);
    },
    /** One signal as the caller may see it; null when missing or not the caller's to see (the same answer). */
    signal: (id: string) => signalAs(id, 'signal.read'),
    signalAs,
    /** One report as the caller may see it; null when missing or not the caller's to see. */
    async schoolReport(id: string) {
      const report = await options.signals.getReport(id);
      if (!report) return null;
      const [decision] = await gate.decideEach(principal, 'signal.read-report', [{ resource: await options.service.reportResource(report), resourceId: id }]);
      return shownAs(report, decision);
    },
    /** A police bureau's own signals: where each stands and what the school did, by category, and nothing more. */
    async policeSignals(rawArgs: unknown) {
      const args = parseInput(listArgs, rawArgs ?? {}, 'list arguments');
      await gate.require(principal, 'signal.list', { type: 'collection', of: 'signal' }, null);
      return shownPage(await options.signals.listForPolice(principal?.agencyId ?? '', paging(args)), 'signal.read-status', resourceOf, view);
    },
    /** The district bureau's queue of signals no enrolled child matches: never dropped, never broadcast. */
    async unmatchedSignals(rawArgs: unknown) {
      const args = parseInput(listArgs, rawArgs ?? {}, 'list arguments');
      await gate.require(principal, 'signal.list', { type: 'collection', of: 'signal' }, null);
      // One policy question first: may the caller see its district's queue at all? If not, no page is read, so no
      // cursor or `hasMore` tells a school or the police of a signal in it.
      if (!(await mayList('signal.read-unmatched', { ...ANY_SIGNAL, state: 'UNMATCHED', policeDistrictId: principal?.districtId ?? '' }))) return EMPTY_PAGE;
      return shownPage(await options.signals.listUnmatched(principal?.districtId ?? '', paging(args)), 'signal.read-unmatched', resourceOf, view);
    },
    /** Signals of the district's schools whose acknowledgement deadline passed: the bureau follows them up. */
    async signalEscalations(rawArgs: unknown) {
      const args = parseInput(listArgs, rawArgs ?? {}, 'list arguments');
      await gate.require(principal, 'signal.list', { type: 'collection', of: 'signal' }, null);
      // As for the queue: a school or the police learn nothing of the district's escalations, not even a cursor.
      if (!(await mayList('signal.read-escalation', { ...ANY_SIGNAL, escalated: true, schoolDistrictId: principal?.districtId ?? '' }))) return EMPTY_PAGE;
      return shownPage(await options.signals.listEscalated(principal?.districtId ?? '', paging(args)), 'signal.read-escalation', resourceOf, view);
    },
    /** A school's reports to the police (its own), or the reports a police bureau received. */
    async schoolReports(rawArgs: unknown) {
      const args = parseInput(listArgs, rawArgs ?? {}, 'list arguments');
      await gate.require(principal, 'signal.list-reports', { type: 'collection', of: 'school-report' }, null);
      const agencyId = principal?.agencyId ?? '';
      const page =
        principal?.agencyType === 'public-safety'
          ? await options.signals.listReportsForPolice(agencyId, paging(args))
          : await options.signals.listReportsForSchool(agencyId, paging(args));
      return shownPage(
        page,
        'signal.read-report',
        (r) => options.service.reportResource(r),
        (r: SchoolReport) => r,
      );
    },
  };
}

export type SignalReader = ReturnType<typeof createSignalReader>;
