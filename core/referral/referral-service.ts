import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { createPolicyGate } from '../access/policy-gate.js';
import { disclose } from '../access/disclosure.js';
import type { Clock } from '../clock.js';
import { BadUserInputError, ForbiddenError, NotFoundError } from '../errors.js';
import { identifier, safeText } from '../safe-text.js';
import { EVENT_TYPES } from '../messages/event-types.js';
import { agencyTopic } from '../messages/topics.js';
import type { EventFactory } from '../ports/event-factory.js';
import type { LedgerStore } from '../ports/ledger-store.js';
import type { PolicyAction, PolicyEngine, Principal } from '../ports/policy-engine.js';
import type { ReferralNotifier } from '../ports/referral-notifier.js';
import type { Referral } from './referral.js';
import { ABSENT_REFERRAL } from './absent-referral.js';
import { referralResource } from './referral-resource.js';
import { nextReferralState, type ReferralAction } from './referral-state-machine.js';

export interface ReferralServiceDeps {
  store: LedgerStore;
  policy: PolicyEngine;
  clock: Clock;
  /** Signs what the hub sends to agencies. */
  hubEvents: EventFactory;
  notifier: ReferralNotifier;
  /** Called after a change committed, so the outbox relay can publish without waiting for its next tick. */
  onOutgoing?: () => void;
}

export interface CallContext {
  correlationId?: string;
  /** The credential an agency's system proved (set for changes that arrive from a connector). */
  actorSystem?: string;
  /** Set when the change arrives as a bus event: its id makes redelivery a no-op. */
  eventId?: string;
}

export const createReferralInput = z.object({
  subjectId: identifier,
  hospitalAgencyId: identifier,
  reason: safeText({ max: 4000, what: 'reason' }),
  guardiansNotified: z.boolean(),
});

const optionalNote = z.union([safeText({ max: 2000, what: 'reason' }), z.literal('')]).nullable();
export type CreateReferralInput = z.infer<typeof createReferralInput>;

const POLICY_ACTION: Record<Exclude<ReferralAction, 'SEND'>, PolicyAction> = {
  ACCEPT: 'referral.accept',
  DECLINE: 'referral.decline',
  WITHDRAW: 'referral.withdraw',
};

/** Identifies the applier of bus events in `processed_events`. */
const LEDGER_CONSUMER = 'hub.ledger';

/** The system principal a receiving agency's connector acts as when the hub discloses a referral to it. */
function connectorPrincipal(agencyId: string): Principal {
  return { agencyId, agencyType: 'hospital', role: 'system', userId: 'connector' };
}

/**
 * The green-channel referral use cases. Every change asks the policy first, moves the state machine, writes the
 * timeline and queues the agencies' events in one transaction, then notifies subscribers.
 */
export function createReferralService(deps: ReferralServiceDeps) {
  const { store, clock } = deps;
  const lookups = { directory: store.agencies, store };

  async function createReferral(principal: Principal | null, rawInput: unknown, ctx: CallContext = {}): Promise<Referral> {
    const parsed = createReferralInput.safeParse(rawInput);
    if (!parsed.success) {
      throw new BadUserInputError(parsed.error.issues[0]?.message ?? 'invalid referral', { field: parsed.error.issues[0]?.path.join('.') });
    }
    const input = parsed.data;
    const correlationId = ctx.correlationId ?? randomUUID();
    const gate = createPolicyGate({ policy: deps.policy, store, clock, correlationId });

    // An unknown child and another school's child take the same path: the policy conceals both (the resource
    // names no school for an unknown child), and both answer "No such subject" byte for byte after the same work.
    const now = clock.now();
    const draft = {
      id: randomUUID(),
      subjectId: input.subjectId,
      schoolAgencyId: principal?.agencyId ?? '',
      hospitalAgencyId: input.hospitalAgencyId,
      state: nextReferralState(null, 'SEND'),
      reason: input.reason,
      guardiansNotified: input.guardiansNotified,
      createdBy: principal?.userId ?? '',
      createdAt: now,
      correlationId,
    };
    const resource = await referralResource(draft, lookups);
    // A recipient that is no hospital (unknown id or another kind of agency) is refused by the policy, the same way.
    await gate.require(principal, 'referral.create', resource, draft.id, { concealAs: 'subject' });
    const hospital = await store.agencies.find(draft.hospitalAgencyId);
    if (!hospital) throw new Error('The policy allowed a referral to an agency the directory does not hold.');
    // What the hospital's system receives is decided like any other disclosure.
    const hospitalView = await gate.decide(connectorPrincipal(hospital.id), 'referral.read', resource, draft.id);
    if (!hospitalView.allow) throw new ForbiddenError('The receiving hospital may not receive this referral.', { reasons: hospitalView.reasons });
    const shareable = { subjectId: draft.subjectId, reason: draft.reason, guardiansNotified: draft.guardiansNotified };
    const sent = await deps.hubEvents.create({
      type: EVENT_TYPES.referralSent,
      subject: draft.id,
      recipient: hospital.id,
      correlationId,
      data: {
        referralId: draft.id,
        schoolAgencyId: draft.schoolAgencyId,
        hospitalAgencyId: hospital.id,
        sentAt: now.toISOString(),
        ...disclose(shareable, hospitalView.fields),
      },
    });

    await store.withTransaction(async (tx) => {
      await tx.insertReferral(draft);
      await tx.appendTimeline(draft.id, {
        state: draft.state,
        action: 'SEND',
        actorAgencyId: draft.schoolAgencyId,
        actorUserId: draft.createdBy,
        actorSystem: null,
        at: now,
        note: null,
      });
      await tx.enqueueOutgoing(agencyTopic(hospital.id), sent);
    });
    return afterCommit(draft.id);
  }

  async function transition(
    principal: Principal | null,
    referralId: string,
    action: Exclude<ReferralAction, 'SEND'>,
    note: string | null,
    ctx: CallContext = {},
  ): Promise<Referral> {
    const current = await store.findReferral(referralId);
    const gate = createPolicyGate({ policy: deps.policy, store, clock, correlationId: ctx.correlationId ?? current?.correlationId ?? null });
    // Decided before the transaction: the embedded store has one connection, and a denial must be audited
    // even though nothing else is written. A missing referral is asked about too, so that it is refused (and
    // audited) exactly like one the caller may not know of.
    await gate.require(principal, POLICY_ACTION[action], current ? await referralResource(current, lookups) : ABSENT_REFERRAL, referralId);
    if (!current) throw new NotFoundError('referral');

    const changed = await store.withTransaction(async (tx) => {
      if (ctx.eventId && !(await tx.claimEvent(LEDGER_CONSUMER, ctx.eventId))) return false;
      const locked = await tx.findReferralForUpdate(referralId);
      if (!locked) throw new NotFoundError('referral');
      const state = nextReferralState(locked.state, action);
      const at = clock.now();
      await tx.updateReferralState(referralId, {
        state,
        declineReason: action === 'DECLINE' ? note : locked.declineReason,
        updatedAt: at,
        expectedVersion: locked.version,
      });
      await tx.appendTimeline(referralId, {
        state,
        action,
        actorAgencyId: principal?.agencyId ?? '',
        actorUserId: principal?.userId ?? '',
        actorSystem: ctx.actorSystem ?? null,
        at,
        note,
      });
      const data = { referralId, state, previousState: locked.state, changedAt: at.toISOString(), changedByAgencyId: principal?.agencyId ?? '' };
      // One event per recipient: each names its agency inside what the hub signs.
      for (const agencyId of new Set([locked.schoolAgencyId, locked.hospitalAgencyId])) {
        if (agencyId === principal?.agencyId) continue;
        const statusChanged = await deps.hubEvents.create({
          type: EVENT_TYPES.referralStatusChanged,
          subject: referralId,
          recipient: agencyId,
          correlationId: locked.correlationId,
          data,
        });
        await tx.enqueueOutgoing(agencyTopic(agencyId), statusChanged);
      }
      return true;
    });
    return changed ? afterCommit(referralId) : current;
  }

  async function afterCommit(referralId: string): Promise<Referral> {
    const referral = await store.findReferral(referralId);
    if (!referral) throw new Error(`Referral ${referralId} vanished right after commit.`);
    deps.onOutgoing?.();
    deps.notifier.referralChanged(referral);
    return referral;
  }

  return {
    createReferral,
    accept: (principal: Principal | null, referralId: string, ctx?: CallContext) => transition(principal, referralId, 'ACCEPT', null, ctx),
    decline: async (principal: Principal | null, referralId: string, reason: string, ctx?: CallContext) => {
      const parsed = safeText({ max: 2000, what: 'reason' }).safeParse(reason);
      if (!parsed.success) throw new BadUserInputError(parsed.error.issues[0]?.message ?? 'A decline states its reason.', { field: 'reason' });
      return transition(principal, referralId, 'DECLINE', parsed.data, ctx);
    },
    withdraw: async (principal: Principal | null, referralId: string, reason: string | null, ctx?: CallContext) => {
      const parsed = optionalNote.safeParse(reason);
      if (!parsed.success) throw new BadUserInputError(parsed.error.issues[0]?.message ?? 'invalid reason', { field: 'reason' });
      return transition(principal, referralId, 'WITHDRAW', parsed.data || null, ctx);
    },
  };
}

export type ReferralService = ReturnType<typeof createReferralService>;
