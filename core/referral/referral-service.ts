import { randomUUID } from 'node:crypto';
import { createPolicyGate, type PolicyGate } from '../access/policy-gate.js';
import { disclose } from '../access/disclosure.js';
import type { Clock } from '../clock.js';
import { BadUserInputError, ForbiddenError, MissingEvidenceError, NotFoundError, OpenReferralExistsError, SlotUnavailableError } from '../errors.js';
import { agencyTopic } from '../messages/topics.js';
import type { AuditLog } from '../ports/audit-log.js';
import type { EventDraft } from '../ports/event-draft.js';
import type { ChangeFeed } from '../ports/change-feed.js';
import type { DirectoryStore } from '../ports/directory.js';
import type { Principal, PolicyEngine, PolicyResource } from '../ports/policy-engine.js';
import type { Transaction, UnitOfWork } from '../ports/unit-of-work.js';
import { parseInput } from '../validation/parse-input.js';
import { ABSENT_REFERRAL } from './absent-referral.js';
import type { CounsellingSlotStore } from './counselling-slot-store.js';
import { createReferralInput, referralCommand, transitionPolicyAction, type ReferralCommand, type TreatmentUpdateInput } from './referral-commands.js';
import { newReferralCode } from './referral-code.js';
import { dueDeadlines, DEFAULT_DEADLINES, WATCHED_STATES, type DeadlinePolicy } from './referral-deadlines.js';
import { REFERRAL_EVENT_TYPES, type ReferralSentData } from './referral-events.js';
import { referralResource } from './referral-resource.js';
import { nextReferralState, type ReferralAction } from './referral-state-machine.js';
import type { NewReferral, ReferralChange, ReferralStore } from './referral-store.js';
import type { Referral, ReturnReview, TreatmentUpdate } from './referral.js';

export interface ReferralServiceDeps {
  uow: UnitOfWork;
  referrals: ReferralStore;
  /** Counselling slots a SCHEDULE step may book (in the same transaction). */
  slots: CounsellingSlotStore;
  directory: DirectoryStore;
  audit: AuditLog;
  policy: PolicyEngine;
  clock: Clock;
  /** Told, inside each change's transaction, which referral changed: what feeds subscriptions on every replica. */
  changes: ChangeFeed;
  deadlines?: Partial<DeadlinePolicy>;
  /** Called after a change committed, so the outbox relay can publish without waiting for its next tick. */
  onOutgoing?: () => void;
  /** Makes referral codes; injectable so that tests can pin one. */
  newCode?: () => string;
}

export interface CallContext {
  correlationId?: string;
  /** The credential an agency's system proved (set for changes that arrive from a connector). */
  actorSystem?: string;
  /** Set when the change arrives as a bus event: its id makes redelivery a no-op. */
  eventId?: string;
  /**
   * The directory as the calling request sees it, so that the child a change names is looked up once for the
   * change and the answer that shows it.
   */
  directory?: Pick<DirectoryStore, 'agencies' | 'findSubject'>;
}

/** Identifies the applier of bus events in `processed_events`. */
const LEDGER_CONSUMER = 'hub.ledger';

/** Steps the school takes on its own side: the receiving agency's system is not told of them (least data). */
const SCHOOL_INTERNAL: ReadonlySet<ReferralAction> = new Set([
  'RECORD_LEAVE',
  'RECORD_FOLLOW_UP',
  'START_RETURN_REVIEW',
  'DECIDE_RETURN',
  'REQUEST_ASSESSMENT',
]);

const TREATMENT_KIND: Partial<Record<ReferralAction, TreatmentUpdate['kind']>> = {
  RECORD_ATTENDANCE: 'VISIT',
  START_TREATMENT: 'VISIT',
  ADMIT: 'ADMISSION',
  DISCHARGE: 'DISCHARGE',
  RECORD_TREATMENT_UPDATE: 'UPDATE',
};

/** The system principal a receiving agency's connector acts as when the hub discloses a referral to it. */
function connectorPrincipal(agency: { id: string; type: string }): Principal {
  return { agencyId: agency.id, agencyType: agency.type as Principal['agencyType'], role: 'system', userId: 'connector' };
}

function toTreatmentUpdate(
  kind: TreatmentUpdate['kind'],
  data: TreatmentUpdateInput | undefined,
  at: Date,
  reportedBy: string,
): Omit<TreatmentUpdate, 'sequence'> {
  return {
    kind,
    at,
    reportedBy,
    riskLevel: data?.riskLevel ?? null,
    guidance: data?.guidance ?? null,
    nextAppointmentAt: data?.nextAppointmentAt ?? null,
    returnRecommendation: data?.returnRecommendation ?? null,
    clinical: data?.clinical ? { diagnoses: data.clinical.diagnoses ?? [], medication: data.clinical.medication ?? null } : null,
  };
}

const EMPTY_REVIEW: ReturnReview = {
  recoveryCertificate: null,
  recordsReceived: false,
  decision: null,
  conditions: null,
  guardianCommitment: null,
  studentCommitment: null,
  decidedBy: null,
  decidedAt: null,
};

/**
 * The green-channel referral use cases. Every change asks the policy first, moves the state machine, writes the
 * timeline and its evidence and queues the agencies' events in one transaction, then notifies subscribers.
 */
export function createReferralService(deps: ReferralServiceDeps) {
  const { referrals, directory, clock } = deps;
  const deadlines: DeadlinePolicy = { ...DEFAULT_DEADLINES, ...deps.deadlines };
  const newCode = deps.newCode ?? newReferralCode;
  const gateFor = (correlationId: string | null) => createPolicyGate({ policy: deps.policy, audit: deps.audit, clock, correlationId });

  /**
   * The `sent` event for the receiving agency, carrying only what the policy lets its system see. Prepared before
   * the transaction: the decision is audited and the directory read on the store's connection, which the embedded
   * store holds for the whole transaction. `resource`: the referral as the policy sees it, when already looked up.
   */
  async function prepareSentEvent(referral: NewReferral | Referral, gate: PolicyGate, resource?: PolicyResource) {
    const recipient = await directory.agencies.find(referral.hospitalAgencyId);
    if (!recipient) throw new Error('The policy allowed a referral to an agency the directory does not hold.');
    const view = await gate.decide(connectorPrincipal(recipient), 'referral.read', resource ?? (await referralResource(referral, directory)), referral.id);
    if (!view.allow) throw new ForbiddenError('The receiving agency may not receive this referral.', { reasons: view.reasons });
    const shown = disclose(
      {
        subjectId: referral.subjectId,
        reason: referral.reason,
        assessment: referral.assessment ? { category: referral.assessment.category, scales: referral.assessment.scales } : null,
        guardianNotice: referral.guardianNotice ? { givenAt: referral.guardianNotice.givenAt } : null,
      },
      view.fields,
    );
    const data: ReferralSentData = {
      referralId: referral.id,
      code: referral.code,
      channel: referral.channel,
      schoolAgencyId: referral.schoolAgencyId,
      hospitalAgencyId: recipient.id,
      sentAt: clock.now().toISOString(),
      ...(shown.subjectId ? { subjectId: shown.subjectId } : {}),
      ...(shown.reason ? { reason: shown.reason } : {}),
      ...(shown.assessment?.category ? { assessmentCategory: shown.assessment.category } : {}),
      ...(shown.assessment?.scales ? { assessmentScales: shown.assessment.scales } : {}),
      ...(shown.guardianNotice?.givenAt ? { guardianNoticeGivenAt: shown.guardianNotice.givenAt.toISOString() } : {}),
    };
    const draft: EventDraft = {
      id: randomUUID(),
      type: REFERRAL_EVENT_TYPES.sent,
      subject: referral.id,
      recipient: recipient.id,
      correlationId: referral.correlationId,
      data,
      time: clock.now(),
    };
    return { topic: agencyTopic(recipient.id), draft };
  }

  async function createReferral(principal: Principal | null, rawInput: unknown, ctx: CallContext = {}): Promise<Referral> {
    const input = parseInput(createReferralInput, rawInput, 'referral');
    const correlationId = ctx.correlationId ?? randomUUID();
    const gate = gateFor(correlationId);

    // An unknown child and another school's child take the same path: the policy conceals both (the resource
    // names no school for an unknown child), and both answer "No such subject" byte for byte after the same work.
    const now = clock.now();
    const draft: NewReferral = {
      id: randomUUID(),
      code: newCode(),
      channel: input.channel,
      subjectId: input.subjectId,
      schoolAgencyId: principal?.agencyId ?? '',
      hospitalAgencyId: input.hospitalAgencyId,
      state: nextReferralState(null, 'SEND'),
      reason: input.reason,
      assessment: { ...input.assessment, exceedsSchoolCapacity: true },
      guardianNotice: {
        givenAt: input.guardianNotice.givenAt,
        channel: input.guardianNotice.channel,
        givenBy: input.guardianNotice.givenBy,
        acknowledgement: input.guardianNotice.acknowledgement ?? null,
        acknowledgedAt: input.guardianNotice.acknowledgedAt ?? null,
      },
      createdBy: principal?.userId ?? '',
      createdAt: now,
      correlationId,
    };
    // A recipient of the wrong kind for the channel (or unknown) is refused by the policy, the same way.
    // One lookup of the child and both agencies for both decisions: the new referral, and what its recipient may see.
    const resource = await referralResource(draft, ctx.directory ?? directory);
    // Both decisions audited in one write, the refusal of the first included.
    const sent = await gate.together(async (held) => {
      await held.require(principal, 'referral.create', resource, draft.id, { concealAs: 'subject' });
      return prepareSentEvent(draft, held, resource);
    });

    await deps.uow.withTransaction(async (tx) => {
      if (await referrals.findOpenForSubject(tx, draft.subjectId)) throw new OpenReferralExistsError();
      await referrals.insert(tx, draft);
      await referrals.appendTimeline(tx, draft.id, {
        state: draft.state,
        action: 'SEND',
        actorAgencyId: draft.schoolAgencyId,
        actorUserId: draft.createdBy,
        actorSystem: null,
        at: now,
        note: null,
      });
      await deps.uow.enqueueEvent(tx, sent.topic, sent.draft);
      await deps.changes.announce(tx, { topic: 'referral.changed', id: draft.id });
    });
    deps.onOutgoing?.();
    return readBack(draft.id);
  }

  /** Applies the evidence a command carries; throws MISSING_EVIDENCE when a step lacks what it needs. */
  async function recordEvidence(
    tx: Transaction,
    locked: Referral,
    command: ReferralCommand,
    actor: string,
    at: Date,
  ): Promise<Omit<ReferralChange, 'updatedAt' | 'expectedVersion'>> {
    const kind = TREATMENT_KIND[command.action];
    if (kind) await referrals.appendTreatmentUpdate(tx, locked.id, toTreatmentUpdate(kind, 'update' in command ? command.update : undefined, at, actor));
    const review = locked.returnReview ?? EMPTY_REVIEW;
    switch (command.action) {
      case 'DECLINE':
        return { declineReason: command.reason };
      case 'WITHDRAW':
        await deps.slots.releaseUpcoming(tx, locked.id, at);
        return { withdrawReason: command.reason };
      case 'SCHEDULE': {
        const { slotId, start } = command.appointment;
        const booked = locked.appointment;
        // The booked time confirmed again (a centre's system echoing its Task): the booking stands.
        if (!slotId && booked?.slotId && start?.getTime() === booked.start.getTime())
          return {
            appointment: { ...booked, end: command.appointment.end ?? booked.end, location: command.appointment.location ?? booked.location },
          };
        // A reschedule frees the slot booked before, in the same transaction as the new booking.
        await deps.slots.releaseUpcoming(tx, locked.id, at);
        if (slotId) {
          const slot = await deps.slots.book(tx, slotId, locked.id, locked.hospitalAgencyId, at);
          if (!slot) throw new SlotUnavailableError();
          return { appointment: { start: slot.startsAt, end: slot.endsAt, location: slot.location, slotId: slot.id } };
        }
        // The command schema guarantees a start when there is no slot; this narrows the type.
        if (!start) throw new BadUserInputError('an appointment has either a start or a counselling slot', { field: 'appointment.start' });
        return { appointment: { start, end: command.appointment.end ?? null, location: command.appointment.location ?? null, slotId: null } };
      }
      case 'TRANSFER':
        // The new recipient offers its own times: a slot booked with the old one is given back.
        await deps.slots.releaseUpcoming(tx, locked.id, at);
        return { hospitalAgencyId: command.hospitalAgencyId, appointment: null };
      case 'RECORD_LEAVE':
        return { leave: { from: command.from, expectedReturn: command.expectedReturn ?? null, recordedBy: actor } };
      case 'RECEIVE_RECOVERY_CERTIFICATE':
        return {
          returnReview: {
            ...review,
            recoveryCertificate: {
              title: command.document.title,
              issuedAt: command.document.issuedAt,
              reference: command.document.reference ?? null,
              receivedAt: at,
            },
          },
        };
      case 'START_RETURN_REVIEW':
        return { returnReview: { ...review, recordsReceived: command.recordsReceived } };
      case 'DECIDE_RETURN':
        // Return needs the hospital's recovery certificate and the records (return-to-school procedure).
        if (!review.recoveryCertificate) throw new MissingEvidenceError('the recovery certificate');
        if (!review.recordsReceived) throw new MissingEvidenceError('the treatment records');
        if (command.decision === 'RETURN_WITH_CONDITIONS' && !command.conditions) throw new MissingEvidenceError('the conditions of the return');
        return {
          returnReview: {
            ...review,
            decision: command.decision,
            conditions: command.conditions ?? null,
            guardianCommitment: command.guardianCommitment,
            studentCommitment: command.studentCommitment,
            decidedBy: actor,
            decidedAt: at,
          },
        };
      case 'REQUEST_ASSESSMENT':
        return { returnReview: { ...review, decision: 'THIRD_PARTY_ASSESSMENT', decidedBy: actor, decidedAt: at } };
      case 'RECORD_FOLLOW_UP':
        await referrals.appendFollowUp(tx, locked.id, { at: command.at, channel: command.channel, by: actor, outcome: command.outcome });
        return {};
      default:
        return {};
    }
  }

  const noteOf = (command: ReferralCommand): string | null =>
    'reason' in command ? command.reason : 'note' in command && typeof command.note === 'string' ? command.note : null;

  /**
   * Takes one step on a referral: decided, then written with its events in one transaction. Returns the referral as
   * it was before, and whether anything changed (nothing does for an event applied before).
   */
  async function change(
    principal: Principal | null,
    referralId: string,
    rawCommand: unknown,
    ctx: CallContext,
  ): Promise<{ changed: boolean; current: Referral }> {
    const command = parseInput(referralCommand, rawCommand, 'command');
    const current = await referrals.find(referralId);
    const gate = gateFor(ctx.correlationId ?? current?.correlationId ?? null);
    const extra =
      command.action === 'TRANSFER'
        ? { transferTo: command.hospitalAgencyId }
        : command.action === 'SCHEDULE'
          ? { slotBooking: Boolean(command.appointment.slotId) }
          : {};
    // Decided before the transaction: the embedded store has one connection, and a denial must be audited
    // even though nothing else is written. A missing referral is asked about too, so that it is refused (and
    // audited) exactly like one the caller may not know of.
    const resource = current ? await referralResource(current, ctx.directory ?? directory, extra) : ABSENT_REFERRAL;
    // A transfer's two decisions (the step, what the new hospital may see) are audited in one write.
    const sentToNewRecipient = await gate.together(async (held) => {
      await held.require(principal, transitionPolicyAction(command.action), resource, referralId, { concealAs: 'referral' });
      return current && command.action === 'TRANSFER' ? prepareSentEvent({ ...current, hospitalAgencyId: command.hospitalAgencyId }, held) : null;
    });
    if (!current) throw new NotFoundError('referral');

    const changed = await deps.uow.withTransaction(async (tx) => {
      if (ctx.eventId && !(await deps.uow.claimEvent(tx, LEDGER_CONSUMER, ctx.eventId))) return false;
      const locked = await referrals.findForUpdate(tx, referralId);
      if (!locked) throw new NotFoundError('referral');
      const state = nextReferralState(locked.state, command.action);
      const at = clock.now();
      const actor = principal?.userId ?? '';
      const evidence = await recordEvidence(tx, locked, command, actor, at);
      await referrals.update(tx, referralId, { ...evidence, state, updatedAt: at, expectedVersion: locked.version });
      await referrals.appendTimeline(tx, referralId, {
        state,
        action: command.action,
        actorAgencyId: principal?.agencyId ?? '',
        actorUserId: actor,
        actorSystem: ctx.actorSystem ?? null,
        at,
        note: noteOf(command),
      });
      const data = {
        referralId,
        state,
        previousState: locked.state,
        action: command.action,
        changedAt: at.toISOString(),
        changedByAgencyId: principal?.agencyId ?? '',
        ...(evidence.appointment
          ? {
              appointment: {
                start: evidence.appointment.start.toISOString(),
                ...(evidence.appointment.end ? { end: evidence.appointment.end.toISOString() } : {}),
                ...(evidence.appointment.location ? { location: evidence.appointment.location } : {}),
                ...(evidence.appointment.slotId ? { slotId: evidence.appointment.slotId } : {}),
              },
            }
          : {}),
        ...(command.action === 'TRANSFER' ? { hospitalAgencyId: command.hospitalAgencyId } : {}),
      };
      // One event per recipient: each names its agency inside what the hub signs. The acting agency's system is
      // told too: its connector mirrors the hub's decided state (the FHIR Task), whoever made the change.
      const recipients = new Set([locked.schoolAgencyId, locked.hospitalAgencyId]);
      if (SCHOOL_INTERNAL.has(command.action)) recipients.delete(locked.hospitalAgencyId);
      // All of a step's events in one statement. The new recipient of a transfer receives the referral as if it
      // were sent to it now.
      await deps.uow.enqueueEvents(tx, [
        ...[...recipients].map((agencyId) => ({
          topic: agencyTopic(agencyId),
          draft: {
            id: randomUUID(),
            type: REFERRAL_EVENT_TYPES.statusChanged,
            subject: referralId,
            recipient: agencyId,
            correlationId: locked.correlationId,
            data,
            time: at,
          },
        })),
        ...(sentToNewRecipient ? [sentToNewRecipient] : []),
      ]);
      await deps.changes.announce(tx, { topic: 'referral.changed', id: referralId });
      return true;
    });
    if (changed) deps.onOutgoing?.();
    return { changed, current };
  }

  /** A step a person (or a system through GraphQL) takes: answers with the referral as it now stands. */
  async function transition(principal: Principal | null, referralId: string, rawCommand: unknown, ctx: CallContext = {}): Promise<Referral> {
    const { changed, current } = await change(principal, referralId, rawCommand, ctx);
    return changed ? readBack(referralId) : current;
  }

  /**
   * A step an agency's system reported over the bus: nobody waits for the referral it leaves, so it is not read
   * back (a statement less between the hospital's update and the school hearing of it).
   */
  async function apply(principal: Principal | null, referralId: string, rawCommand: unknown, ctx: CallContext = {}): Promise<void> {
    await change(principal, referralId, rawCommand, ctx);
  }

  /** The referral as committed. The relay was nudged first: the events need not wait for this read. */
  async function readBack(referralId: string): Promise<Referral> {
    const referral = await referrals.find(referralId);
    if (!referral) throw new Error(`Referral ${referralId} vanished right after commit.`);
    return referral;
  }

  /**
   * Records every deadline that passed, once, and tells the school (and, for a stalled referral, the district
   * bureau through its subscriptions). Safe to run any number of times; the hub runs it on a timer.
   */
  async function raiseOverdue(batchSize = 200): Promise<number> {
    const now = clock.now();
    let raised = 0;
    let after: { createdAt: Date; id: string } | undefined;
    for (;;) {
      const batch = await referrals.listOpenIn(WATCHED_STATES, batchSize, after);
      for (const referral of batch) {
        const due = dueDeadlines(referral, deadlines, now);
        if (due.length === 0) continue;
        const fresh = await deps.uow.withTransaction(async (tx) => {
          let count = 0;
          for (const d of due) {
            if (!(await referrals.recordBreach(tx, referral.id, { ...d, raisedAt: now }))) continue;
            count++;
            await deps.uow.enqueueEvent(tx, agencyTopic(referral.schoolAgencyId), {
              id: randomUUID(),
              type: REFERRAL_EVENT_TYPES.overdue,
              subject: referral.id,
              recipient: referral.schoolAgencyId,
              correlationId: referral.correlationId,
              data: {
                referralId: referral.id,
                kind: d.kind,
                dueAt: d.dueAt.toISOString(),
                raisedAt: now.toISOString(),
                schoolAgencyId: referral.schoolAgencyId,
              },
              time: now,
            });
          }
          if (count > 0) {
            await deps.changes.announce(tx, { topic: 'referral.changed', id: referral.id });
            await deps.changes.announce(tx, { topic: 'referral.overdue', id: referral.id });
          }
          return count;
        });
        if (fresh > 0) {
          raised += fresh;
          deps.onOutgoing?.();
        }
      }
      const last = batch.at(-1);
      if (batch.length < batchSize || !last) return raised;
      after = { createdAt: last.createdAt, id: last.id };
    }
  }

  return {
    createReferral,
    /** Any step after sending; `command` is validated here (`referralCommand`). */
    act: transition,
    /** The same step, reported by an agency's system over the bus: nothing is read back. */
    apply,
    raiseOverdue,
  };
}

export type ReferralService = ReturnType<typeof createReferralService>;
