import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { createPolicyGate } from '../access/policy-gate.js';
import type { Clock } from '../clock.js';
import { checkResidentId } from '../enrolment/resident-id.js';
import type { EnrolledChild } from '../enrolment/enrolment-service.js';
import { linkKey, type EnrolmentStore } from '../enrolment/enrolment-store.js';
import { BadUserInputError, InvalidTransitionError, MalformedEventError, NotFoundError } from '../errors.js';
import type { EventType } from '../messages/event-types.js';
import { agencyTopic } from '../messages/topics.js';
import type { AuditLog } from '../ports/audit-log.js';
import type { DirectoryStore } from '../ports/directory.js';
import type { IdentityLink, IdentityPseudonymiser } from '../ports/identity-linkage.js';
import type { EnvelopeOpener } from '../ports/keys.js';
import type { PolicyEngine, PolicyResource, Principal } from '../ports/policy-engine.js';
import type { Transaction, UnitOfWork } from '../ports/unit-of-work.js';
import { identifier, safeText } from '../safe-text.js';
import { parseInput } from '../validation/parse-input.js';
import { parseJson } from '../validation/parse-json.js';
import { DEFAULT_SIGNAL_POLICY, NOTE_BASES, SCHOOL_REPORT_KINDS, SCHOOL_SIGNAL_ACTIONS, type SchoolReport, type Signal, type SignalPolicy } from './signal.js';
import { createEpisodeFinder } from './episodes.js';
import { noticeOf, noticesMessage, statusesMessage, statusOf } from './signal-messages.js';
import {
  guidanceText,
  signalBatchSecret,
  signalBatchSecrets,
  SIGNAL_BATCH_PURPOSE,
  SIGNAL_BATCH_SEALED_MAX,
  SIGNAL_FUTURE_SLACK_MS,
  SIGNAL_EVENT_TYPES,
  SIGNAL_IDENTITY_PURPOSE,
  SIGNAL_NOTE_PURPOSE,
  type SignalBatchData,
  type SignalNoticeData,
  type SignalRaisedData,
  type SignalStatusData,
} from './signal-events.js';
import type { NewSignal, SealedSignalText, SignalStore } from './signal-store.js';

/** Identifies the appliers of police events in `processed_events`. */
const SIGNAL_CONSUMER = 'hub.signal';

/**
 * The bus key of every signal event to one agency: a batch's notices or statuses and a later event about one of its
 * signals (a status, guidance) are about different subjects but must arrive in order, so they share the agency's key.
 */
const signalKey = (agencyId: string) => `signals:${agencyId}`;

/** One signal as the hub takes it in: its envelopes opened, the child's number checked and turned into links. */
interface IncomingSignal {
  sourceId: string;
  category: Signal['category'];
  severity: Signal['severity'];
  observedAt: Date;
  officer: string;
  localId: string;
  links: IdentityLink[];
  note: string | null;
}

/**
 * Ids that sort by creation time, so the newest signal comes first in a list ordered by id, then 48 random bits: a
 * v4 UUID's first twelve hex digits (all random), since node:crypto draws UUIDs from a buffered pool where a
 * randomBytes call goes to the CSPRNG each time (two ids a signal).
 */
export const newTimeOrderedId = (prefix: string, at: Date) =>
  `${prefix}-${at.getTime().toString(36).padStart(9, '0')}-${randomUUID().replace('-', '').slice(0, 12)}`;

const acknowledgeInput = z.object({
  actions: z.array(z.enum(SCHOOL_SIGNAL_ACTIONS)).min(1, 'name at least one thing the school did').max(SCHOOL_SIGNAL_ACTIONS.length),
  note: safeText({ max: 2000, what: 'note' }).optional().nullable(),
});
const openNoteInput = z.object({ basis: z.enum(NOTE_BASES), justification: safeText({ min: 10, max: 1000, what: 'justification' }).optional().nullable() });
const reportInput = z.object({ subjectId: identifier, kind: z.enum(SCHOOL_REPORT_KINDS), summary: safeText({ max: 2000, what: 'summary' }) });

/**
 * Police signals through the hub (R52-R57): routed to the school the child is enrolled in, or held in the district
 * bureau's queue until an enrolment matches; acknowledged against a deadline set by severity, escalated when it is
 * missed; the police told where their signal stands and nothing else, and able to guide the school. And the school's
 * own path to the police: reports of a crisis or a suspected harm to a minor.
 */
export function createSignalService(deps: {
  uow: UnitOfWork;
  signals: SignalStore;
  enrolments: EnrolmentStore;
  directory: DirectoryStore;
  opener: EnvelopeOpener;
  pseudonymiser: IdentityPseudonymiser;
  audit: AuditLog;
  policy: PolicyEngine;
  clock: Clock;
  signalPolicy?: Partial<SignalPolicy>;
  onOutgoing?: () => void;
}) {
  const policy: SignalPolicy = { ...DEFAULT_SIGNAL_POLICY, ...deps.signalPolicy };
  const gateFor = (correlationId?: string | null) =>
    createPolicyGate({ policy: deps.policy, audit: deps.audit, clock: deps.clock, correlationId: correlationId ?? null, purpose: 'signal' });
  const districtOf = async (agencyId: string | null) => (agencyId ? ((await deps.directory.agencies.find(agencyId))?.districtId ?? '') : '');

  /** The signal as the policy sees it: whose, where routed, how grave, where it stands. */
  async function resourceOf(signal: Signal, noteBasis?: string): Promise<PolicyResource> {
    return {
      ...(signal.subjectId ? { subjectId: signal.subjectId } : {}),
      type: 'signal',
      policeAgencyId: signal.policeAgencyId,
      policeDistrictId: signal.policeDistrictId ?? '',
      schoolAgencyId: signal.schoolAgencyId ?? '',
      schoolDistrictId: await districtOf(signal.schoolAgencyId),
      category: signal.category,
      severity: signal.severity,
      state: signal.state,
      escalated: signal.escalatedAt !== null,
      ...(noteBasis ? { noteBasis } : {}),
    };
  }

  const status = (
    signal: Pick<Signal, 'id' | 'sourceId' | 'policeAgencyId'>,
    value: SignalStatusData['status'],
    at: Date,
    actions: SignalStatusData['actions'] = [],
  ) => ({
    id: randomUUID(),
    type: SIGNAL_EVENT_TYPES.status,
    subject: signal.sourceId,
    key: signalKey(signal.policeAgencyId),
    recipient: signal.policeAgencyId,
    data: statusOf(signal.sourceId, value, at, { signalId: signal.id, actions }),
    time: at,
  });

  /** Routes a signal to the child's school in `tx`: the deadline starts, the school is told, and so are the police. */
  async function routeTo(
    tx: Transaction,
    signal: Pick<Signal, 'id' | 'sourceId' | 'policeAgencyId' | 'category' | 'severity' | 'observedAt'>,
    child: { subjectId: string; schoolAgencyId: string },
    episodeId: string,
    now: Date,
  ) {
    const dueAt = new Date(now.getTime() + policy.acknowledgeWithinMs[signal.severity]);
    // Both events in one statement.
    await deps.uow.enqueueEvents(tx, [
      {
        topic: agencyTopic(child.schoolAgencyId),
        draft: {
          id: randomUUID(),
          type: SIGNAL_EVENT_TYPES.notice,
          subject: signal.id,
          key: signalKey(child.schoolAgencyId),
          recipient: child.schoolAgencyId,
          data: noticeOf(signal, child.subjectId, episodeId, dueAt),
          time: now,
        },
      },
      { topic: agencyTopic(signal.policeAgencyId), draft: status(signal, 'ROUTED', now) },
    ]);
    return dueAt;
  }

  const intakeResource = (principal: Principal): PolicyResource => ({ type: 'signal-intake', policeAgencyId: principal.agencyId });

  /**
   * Takes signals in, in one transaction: each source id once, routed to the school the child is enrolled in or
   * held for the district bureau, placed in its episode; the schools told in one event each and the bureau in one.
   * False when the event was applied before; otherwise how many signals were new.
   */
  async function intake(
    principal: Principal,
    incoming: readonly IncomingSignal[],
    refused: ReadonlyArray<{ sourceId: string; reason: string }>,
    ctx: { eventId: string; correlationId?: string },
    now: Date,
  ): Promise<{ kept: number; refused: number } | null> {
    const policeDistrictId = (await districtOf(principal.agencyId)) || null;
    // Sealed before the transaction, by source id (a source id's first line is the signal).
    const texts = new Map<string, SealedSignalText>();
    for (const s of incoming) if (!texts.has(s.sourceId)) texts.set(s.sourceId, deps.signals.sealText(s));
    return deps.uow.withTransaction(async (tx) => {
      if (!(await deps.uow.claimEvent(tx, SIGNAL_CONSUMER, ctx.eventId))) return null;
      // The same source id twice is one signal (a police system resending after a timeout, or a second export): one
      // already on record is not inserted again (insertMany skips it, and only what it inserted is told to anyone),
      // so it is not looked up first, a round trip a signal saved. A source id twice in the batch: its first line is
      // the signal.
      const taken = new Set<string>();
      const fresh: IncomingSignal[] = [];
      for (const s of incoming)
        if (!taken.has(s.sourceId)) {
          taken.add(s.sourceId);
          fresh.push(s);
        }
      // Before the register is read: an enrolment of one of these children commits before this, or waits for it.
      await deps.enrolments.lockLinks(
        tx,
        fresh.flatMap((s) => s.links),
      );
      // A source id the bureau sent before (or sends valid in this batch too) is that signal: not refused again.
      const unanswered = refused.filter((r) => !taken.has(r.sourceId));
      const onRecord =
        unanswered.length > 0
          ? await deps.signals.knownSources(
              tx,
              principal.agencyId,
              unanswered.map((r) => r.sourceId),
            )
          : new Set<string>();
      const refusedNow = unanswered.filter((r) => !onRecord.has(r.sourceId));
      const children = await deps.enrolments.childrenByLinks(
        tx,
        fresh.flatMap((s) => s.links),
      );
      const placed = fresh.map((s) => {
        const child = s.links.map((l) => children.get(linkKey(l))).find((c) => c !== undefined);
        return { ...s, enrolled: child?.schoolAgencyId ? { subjectId: child.subjectId, schoolAgencyId: child.schoolAgencyId } : null };
      });
      const episodes = createEpisodeFinder(policy.episodeWindowMs, await nearbySignals(tx, placed));
      const rows = placed.map((s) => {
        const id = newTimeOrderedId('sig', now);
        const episodeId = episodes.place(childKeys(s), s.observedAt, () => newTimeOrderedId('ep', now));
        const dueAt = new Date(now.getTime() + policy.acknowledgeWithinMs[s.severity]);
        const row: NewSignal = {
          id,
          sourceId: s.sourceId,
          policeAgencyId: principal.agencyId,
          policeDistrictId,
          policeLocalId: s.localId,
          category: s.category,
          severity: s.severity,
          observedAt: s.observedAt,
          receivedAt: now,
          text: texts.get(s.sourceId)!,
          episodeId,
          route: s.enrolled ? { ...s.enrolled, dueAt } : { waitingFor: s.links[0]! },
        };
        return { row, enrolled: s.enrolled, dueAt };
      });
      // In source-id order, as every writer of these rows: two batches overlapping in another order cannot deadlock.
      const inserted = await deps.signals.insertMany(
        tx,
        rows.map((r) => r.row).sort((a, b) => (a.sourceId < b.sourceId ? -1 : a.sourceId > b.sourceId ? 1 : 0)),
      );
      const kept = rows.filter((r) => inserted.has(r.row.id));
      const notices = new Map<string, SignalNoticeData[]>();
      const statuses = refusedNow.map((r) => statusOf(r.sourceId, 'REFUSED', now, { reason: r.reason }));
      for (const { row, enrolled, dueAt } of kept) {
        if (enrolled) {
          const notice = noticeOf(row, enrolled.subjectId, row.episodeId, dueAt);
          const list = notices.get(enrolled.schoolAgencyId);
          if (list) list.push(notice);
          else notices.set(enrolled.schoolAgencyId, [notice]);
        }
        statuses.push(statusOf(row.sourceId, enrolled ? 'ROUTED' : 'UNMATCHED', now, { signalId: row.id }));
      }
      const event = (recipient: string, message: { type: EventType; data: unknown } | null) =>
        message
          ? [
              {
                topic: agencyTopic(recipient),
                draft: {
                  id: randomUUID(),
                  ...message,
                  subject: ctx.eventId,
                  key: signalKey(recipient),
                  recipient,
                  time: now,
                  ...(ctx.correlationId ? { correlationId: ctx.correlationId } : {}),
                },
              },
            ]
          : [];
      await deps.uow.enqueueEvents(tx, [
        ...[...notices].flatMap(([school, list]) => event(school, noticesMessage(list))),
        ...event(principal.agencyId, statusesMessage(statuses)),
      ]);
      return { kept: kept.length, refused: refusedNow.length };
    });
  }

  /** How a child is known while placing episodes: by pseudonym once enrolled, by every link while unmatched. */
  const childKeys = (s: { links: readonly IdentityLink[]; enrolled: { subjectId: string } | null }) =>
    s.enrolled ? [`s:${s.enrolled.subjectId}`] : s.links.map((l) => `l:${linkKey(l)}`);

  /** The signals on record that a batch's episodes may join: for each of its signals, the child's newest within the window. */
  async function nearbySignals(
    tx: Transaction,
    placed: ReadonlyArray<{ observedAt: Date; links: readonly IdentityLink[]; enrolled: { subjectId: string } | null }>,
  ) {
    if (placed.length === 0) return [];
    const near = await deps.signals.latestNear(
      tx,
      placed.flatMap((s): Array<{ child: { subjectId: string } | { link: IdentityLink }; at: Date }> =>
        s.enrolled ? [{ child: { subjectId: s.enrolled.subjectId }, at: s.observedAt }] : s.links.map((link) => ({ child: { link }, at: s.observedAt })),
      ),
      policy.episodeWindowMs,
    );
    return near.map((n) => ({ ...n, keys: ['subjectId' in n.child ? `s:${n.child.subjectId}` : `l:${linkKey(n.child.link)}`] }));
  }

  return {
    /** A signal from a police bureau's system, signed by that bureau. Once per source id, however often it is sent. */
    async receive(principal: Principal, data: SignalRaisedData, ctx: { eventId: string; correlationId?: string }): Promise<void> {
      await gateFor(ctx.correlationId).require(principal, 'signal.raise', intakeResource(principal), data.sourceId);
      const now = deps.clock.now();
      const checked = checkResidentId(await deps.opener.open(data.child.identity, SIGNAL_IDENTITY_PURPOSE), now.toISOString().slice(0, 10));
      // The reason names the rule broken, never the number.
      if (!checked.ok) throw new MalformedEventError("The child's resident identity number does not check.", { details: { problem: checked.problem } });
      const note = data.note ? parseNote(await deps.opener.open(data.note, SIGNAL_NOTE_PURPOSE)) : null;
      const observedAt = new Date(data.observedAt);
      if (observedAt.getTime() > now.getTime() + SIGNAL_FUTURE_SLACK_MS) throw new MalformedEventError('The signal is dated in the future.');
      const signal = { ...data, observedAt, localId: data.child.localId, links: deps.pseudonymiser.linksOf(checked.residentId), note };
      if ((await intake(principal, [signal], [], ctx, now))?.kept) deps.onOutgoing?.();
    },

    /**
     * A batch of signals from a police bureau's system (up to 500, every number and note in one envelope): one policy
     * decision, one transaction and one event to each school and to the bureau, so a bureau's export arrives at
     * thousands a second. A signal whose number does not check is refused on its own (the bureau hears REFUSED for
     * it); the rest are kept. Returns how many were new and how many refused.
     */
    async receiveBatch(
      principal: Principal,
      data: SignalBatchData,
      ctx: { eventId: string; correlationId?: string },
    ): Promise<{ received: number; refused: number }> {
      await gateFor(ctx.correlationId).require(principal, 'signal.raise', intakeResource(principal), ctx.eventId);
      const now = deps.clock.now();
      const today = now.toISOString().slice(0, 10);
      const secrets = signalBatchSecrets.safeParse(parseJson(await deps.opener.open(data.sealed, SIGNAL_BATCH_PURPOSE, { maxChars: SIGNAL_BATCH_SEALED_MAX })));
      if (!secrets.success || secrets.data.length !== data.signals.length)
        throw new MalformedEventError("The batch's envelope does not hold one number per signal.");
      const incoming: IncomingSignal[] = [];
      const refused: Array<{ sourceId: string; reason: string }> = [];
      data.signals.forEach((s, i) => {
        const secret = signalBatchSecret.safeParse(secrets.data[i]);
        const checked = secret.success ? checkResidentId(secret.data.residentId, today) : null;
        const observedAt = new Date(s.observedAt);
        if (!secret.success || !checked?.ok || observedAt.getTime() > now.getTime() + SIGNAL_FUTURE_SLACK_MS)
          refused.push({ sourceId: s.sourceId, reason: 'MALFORMED_EVENT' });
        else incoming.push({ ...s, observedAt, links: deps.pseudonymiser.linksOf(checked.residentId), note: secret.data.note ?? null });
      });
      const outcome = await intake(principal, incoming, refused, ctx, now);
      if (outcome) deps.onOutgoing?.();
      // What was told to the police: a refused line whose source id is on record already is not answered again.
      return { received: outcome?.kept ?? 0, refused: outcome?.refused ?? 0 };
    },

    /** In an enrolment's transaction: signals that waited for these children go to their schools now. */
    async matchWaiting(tx: Transaction, children: readonly EnrolledChild[]): Promise<void> {
      const now = deps.clock.now();
      const localIds: Array<{ agencyId: string; localId: string; subjectId: string; at: Date }> = [];
      for (const child of children) {
        const waiting = await deps.signals.waitingFor(tx, child.links);
        if (waiting.length === 0) continue;
        // Each joins the newest signal about the child within its window (the ones routed just before it included),
        // or keeps the episode it had while it waited.
        const placed = waiting.map((w) => ({ observedAt: w.observedAt, links: child.links, enrolled: { subjectId: child.subjectId } }));
        const keys = childKeys(placed[0]!);
        const episodes = createEpisodeFinder(policy.episodeWindowMs, await nearbySignals(tx, placed));
        for (const signal of waiting) {
          const episodeId = episodes.place(keys, signal.observedAt, () => signal.episodeId);
          const dueAt = await routeTo(tx, signal, child, episodeId, now);
          await deps.signals.route(tx, signal.id, { subjectId: child.subjectId, schoolAgencyId: child.schoolAgencyId, routedAt: now, dueAt, episodeId });
          localIds.push({ agencyId: signal.policeAgencyId, localId: signal.policeLocalId, subjectId: child.subjectId, at: now });
        }
      }
      // In one write, in key order like the signal intake's, so the two cannot deadlock on the police's local ids.
      await deps.enrolments.linkLocalIds(tx, localIds);
    },

    /** The school acknowledges and records what it did; the police hear the categories. */
    async acknowledge(principal: Principal | null, id: string, raw: unknown, correlationId?: string): Promise<Signal> {
      const input = parseInput(acknowledgeInput, raw, 'acknowledgement');
      const signal = await deps.signals.get(id);
      if (!signal) throw new NotFoundError('signal');
      await gateFor(correlationId).require(principal, 'signal.acknowledge', await resourceOf(signal), id, { concealAs: 'signal' });
      const now = deps.clock.now();
      const ok = await deps.uow.withTransaction(async (tx) => {
        if (!(await deps.signals.acknowledge(tx, id, { at: now, by: principal?.userId ?? '', actions: input.actions, note: input.note ?? null }))) return false;
        await deps.uow.enqueueEvent(tx, agencyTopic(signal.policeAgencyId), {
          ...status(signal, 'ACKNOWLEDGED', now, input.actions),
          ...(correlationId ? { correlationId } : {}),
        });
        return true;
      });
      if (!ok) throw new InvalidTransitionError(signal.state, 'ACKNOWLEDGE', 'signal');
      deps.onOutgoing?.();
      return (await deps.signals.get(id)) as Signal;
    },

    /** Guidance from the police on the school's intervention (R53), by the signal's source id or the hub's id. */
    async addGuidance(
      principal: Principal | null,
      ref: { sourceId: string } | { signalId: string },
      rawText: unknown,
      ctx: { eventId?: string; correlationId?: string } = {},
    ): Promise<Signal> {
      const text = parseInput(guidanceText, rawText, 'guidance');
      const now = deps.clock.now();
      const found =
        'signalId' in ref
          ? await deps.signals.get(ref.signalId)
          : await deps.uow.withTransaction((tx) => deps.signals.findBySource(tx, principal?.agencyId ?? '', ref.sourceId));
      if (!found) throw new NotFoundError('signal');
      await gateFor(ctx.correlationId).require(principal, 'signal.guide', await resourceOf(found), found.id, { concealAs: 'signal' });
      const sent = await deps.uow.withTransaction(async (tx) => {
        if (ctx.eventId && !(await deps.uow.claimEvent(tx, SIGNAL_CONSUMER, ctx.eventId))) return false;
        const guidance = await deps.signals.addGuidance(tx, found.id, { givenAt: now, givenBy: principal?.userId ?? '', text });
        if (found.schoolAgencyId && found.subjectId)
          await deps.uow.enqueueEvent(tx, agencyTopic(found.schoolAgencyId), {
            id: randomUUID(),
            type: SIGNAL_EVENT_TYPES.guidanceForwarded,
            subject: found.id,
            key: signalKey(found.schoolAgencyId),
            recipient: found.schoolAgencyId,
            data: { signalId: found.id, subjectId: found.subjectId, text: guidance.text, givenAt: now.toISOString() },
            time: now,
            ...(ctx.correlationId ? { correlationId: ctx.correlationId } : {}),
          });
        return true;
      });
      if (sent) deps.onOutgoing?.();
      return (await deps.signals.get(found.id)) as Signal;
    },

    /** Deadlines missed: escalated to the district bureau once, and the police see the signal as overdue. */
    async escalateOverdue(): Promise<number> {
      const now = deps.clock.now();
      let escalated = 0;
      for (const signal of await deps.signals.overdue(now, 500)) {
        const marked = await deps.uow.withTransaction(async (tx) => {
          if (!(await deps.signals.markEscalated(tx, signal.id, now))) return false;
          await deps.uow.enqueueEvent(tx, agencyTopic(signal.policeAgencyId), status(signal, 'OVERDUE', now));
          return true;
        });
        if (marked) escalated++;
      }
      if (escalated > 0) deps.onOutgoing?.();
      return escalated;
    },

    /**
     * Opens the police note for the school, on a lawful basis the policy recognises (statutory duty for the harms a
     * school must act on, the guardian's consent, or a declared emergency) and a written justification. Every
     * opening is recorded with who, when, on which basis and why; every refusal is audited by the gate.
     */
    async openNote(principal: Principal | null, id: string, raw: unknown, correlationId?: string): Promise<{ signalId: string; text: string; basis: string }> {
      const input = parseInput(openNoteInput, raw, 'note request');
      const signal = await deps.signals.get(id);
      if (!signal) throw new NotFoundError('signal');
      const decision = await gateFor(correlationId).require(principal, 'signal.open-note', await resourceOf(signal, input.basis), id, { concealAs: 'signal' });
      // The policy says whether the reason must be written down; it is kept with the opening either way.
      if (decision.obligations.includes('require-justification') && !input.justification) throw new JustificationRequiredError();
      const note = await deps.signals.note(id);
      if (!note) throw new NotFoundError('signal note');
      const text = 'text' in note ? note.text : await deps.opener.open(note.envelope, SIGNAL_NOTE_PURPOSE);
      await deps.uow.withTransaction((tx) =>
        deps.signals.recordNoteOpening(tx, {
          signalId: id,
          at: deps.clock.now(),
          agencyId: principal?.agencyId ?? '',
          userId: principal?.userId ?? '',
          basis: input.basis,
          justification: input.justification ?? '',
        }),
      );
      return { signalId: id, text, basis: input.basis };
    },

    /** A school's report of a crisis or suspected harm to its district's police (R56, mandatory reporting). */
    async reportToPolice(principal: Principal | null, raw: unknown, correlationId?: string): Promise<SchoolReport> {
      const input = parseInput(reportInput, raw, 'report');
      const subject = await deps.directory.findSubject(input.subjectId);
      if (!subject) throw new NotFoundError('subject');
      const schoolDistrictId = await districtOf(subject.schoolAgencyId);
      const police = (await deps.directory.agencies.list()).find(
        (a) => a.type === 'public-safety' && schoolDistrictId !== '' && a.districtId === schoolDistrictId,
      );
      await gateFor(correlationId).require(
        principal,
        'signal.report-to-police',
        {
          subjectId: subject.id,
          type: 'school-report',
          schoolAgencyId: subject.schoolAgencyId,
          schoolDistrictId,
          policeAgencyId: police?.id ?? '',
          policeDistrictId: police?.districtId ?? '',
        },
        input.subjectId,
        { concealAs: 'subject' },
      );
      if (!police) throw new NotFoundError('police liaison');
      const now = deps.clock.now();
      const report: SchoolReport = {
        id: newTimeOrderedId('rep', now),
        schoolAgencyId: subject.schoolAgencyId,
        policeAgencyId: police.id,
        subjectId: subject.id,
        kind: input.kind,
        summary: input.summary,
        reportedBy: principal?.userId ?? '',
        reportedAt: now,
        acknowledgedAt: null,
        acknowledgedBy: null,
      };
      await deps.uow.withTransaction(async (tx) => {
        await deps.signals.insertReport(tx, report);
        await deps.uow.enqueueEvent(tx, agencyTopic(police.id), {
          id: randomUUID(),
          type: SIGNAL_EVENT_TYPES.schoolReport,
          subject: report.id,
          recipient: police.id,
          data: {
            reportId: report.id,
            schoolAgencyId: report.schoolAgencyId,
            subjectId: report.subjectId,
            kind: report.kind,
            summary: report.summary,
            reportedAt: now.toISOString(),
          },
          time: now,
          ...(correlationId ? { correlationId } : {}),
        });
      });
      deps.onOutgoing?.();
      return report;
    },

    /** The police received a school's report (their system through its connector, or an analyst). */
    async acknowledgeReport(
      principal: Principal | null,
      reportId: string,
      ctx: { by?: string; eventId?: string; correlationId?: string } = {},
    ): Promise<SchoolReport> {
      const report = await deps.signals.getReport(reportId);
      if (!report) throw new NotFoundError('school report');
      await gateFor(ctx.correlationId).require(principal, 'signal.acknowledge-report', await reportResource(report), reportId, { concealAs: 'school report' });
      await deps.uow.withTransaction(async (tx) => {
        if (ctx.eventId && !(await deps.uow.claimEvent(tx, SIGNAL_CONSUMER, ctx.eventId))) return;
        await deps.signals.acknowledgeReport(tx, reportId, deps.clock.now(), ctx.by ?? principal?.userId ?? '');
      });
      return (await deps.signals.getReport(reportId)) as SchoolReport;
    },

    /**
     * A police event the hub refused for good (a number that does not check, a source id it does not know, a batch
     * whose envelope does not open): the bureau's system hears it in its inbox with the error code, for every signal
     * the event carried, so nothing it sent vanishes without an answer.
     */
    async tellPoliceRefused(policeAgencyId: string, sourceIds: readonly string[], reason: string): Promise<void> {
      const now = deps.clock.now();
      const message = statusesMessage(sourceIds.map((sourceId) => statusOf(sourceId, 'REFUSED', now, { reason })));
      if (!message) return;
      await deps.uow.withTransaction((tx) =>
        deps.uow.enqueueEvent(tx, agencyTopic(policeAgencyId), {
          id: randomUUID(),
          ...message,
          subject: sourceIds[0] ?? '',
          key: signalKey(policeAgencyId),
          recipient: policeAgencyId,
          time: now,
        }),
      );
      deps.onOutgoing?.();
    },

    /** Retention: signals older than the configured period are forgotten with their guidance and note openings. */
    purgeExpired(): Promise<number> {
      return deps.signals.purgeReceivedBefore(new Date(deps.clock.now().getTime() - policy.retentionMs));
    },

    resourceOf,
    reportResource,
    policy,
  };

  async function reportResource(report: SchoolReport): Promise<PolicyResource> {
    return {
      subjectId: report.subjectId,
      type: 'school-report',
      schoolAgencyId: report.schoolAgencyId,
      schoolDistrictId: await districtOf(report.schoolAgencyId),
      policeAgencyId: report.policeAgencyId,
      policeDistrictId: await districtOf(report.policeAgencyId),
    };
  }
}

/** An action the policy obliges to be justified, asked without a justification. */
class JustificationRequiredError extends BadUserInputError {
  constructor() {
    super('This action requires a written justification.', { field: 'justification' });
  }
}

export type SignalService = ReturnType<typeof createSignalService>;

/** The police note as opened: held to the rules of the police API's own note (length, no control or bidi characters). */
function parseNote(text: string): string {
  const parsed = signalBatchSecret.shape.note.safeParse(text);
  if (!parsed.success || parsed.data === undefined) throw new MalformedEventError('The police note is not a note the police API takes.');
  return parsed.data;
}
