import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { shownAs } from '../access/disclosure.js';
import { createPolicyGate } from '../access/policy-gate.js';
import type { Clock } from '../clock.js';
import { InvalidTransitionError, NotFoundError } from '../errors.js';
import type { AuditLog, AuditTrail } from '../ports/audit-log.js';
import type { DirectoryStore } from '../ports/directory.js';
import type { PolicyEngine, PolicyResource, Principal } from '../ports/policy-engine.js';
import type { UnitOfWork } from '../ports/unit-of-work.js';
import { identifier, safeText } from '../safe-text.js';
import { parseInput } from '../validation/parse-input.js';
import { accessLogEntry } from '../audit/access-log-entry.js';
import type { ConsentStore } from './consent-store.js';
import { DEFAULT_EMERGENCY_WINDOW_MS, type Emergency } from './emergency.js';

const declareInput = z.object({ subjectId: identifier, justification: safeText({ min: 20, max: 2000, what: 'justification' }) });
const signOffInput = z.object({ note: safeText({ min: 5, max: 2000, what: 'note' }) });

/**
 * Break-glass (issue 9; PIPL Art. 13(4)): a school's crisis staff declare an emergency about a child with a written
 * justification; for a short window the policy lets that person see what the emergency needs (the police note,
 * treatment's clinical detail), every decision in the window is recorded with the basis "emergency", the child's
 * guardians are told (not one suspected of the harm), and the declaration waits in the district bureau's review
 * queue, with every access made under it, until the bureau signs it off.
 */
export function createEmergencyService(deps: {
  uow: UnitOfWork;
  consents: ConsentStore;
  directory: DirectoryStore;
  audit: AuditLog;
  trail: AuditTrail;
  policy: PolicyEngine;
  clock: Clock;
  windowMs?: number;
}) {
  const windowMs = deps.windowMs ?? DEFAULT_EMERGENCY_WINDOW_MS;
  const gateFor = (correlationId?: string) =>
    createPolicyGate({ policy: deps.policy, audit: deps.audit, clock: deps.clock, correlationId: correlationId ?? null, purpose: 'emergency' });
  const districtOf = async (agencyId: string) => (await deps.directory.agencies.find(agencyId))?.districtId ?? '';
  const resourceOf = async (subjectId: string, schoolAgencyId: string): Promise<PolicyResource> => ({
    subjectId,
    type: 'emergency',
    schoolAgencyId,
    schoolDistrictId: await districtOf(schoolAgencyId),
  });

  /** A declaration with every decision made under it, for the review. */
  async function withAccesses(e: Emergency) {
    // A decision made just before the window shut is written a moment later: a minute's grace.
    const accesses = await deps.trail.underEmergency(
      e.subjectId,
      { agencyId: e.declaredByAgency, userId: e.declaredByUser },
      e.declaredAt,
      new Date(e.expiresAt.getTime() + 60_000),
    );
    return {
      ...e,
      accesses: accesses.map(accessLogEntry),
    };
  }

  return {
    windowMs,
    async declare(principal: Principal | null, raw: unknown, correlationId?: string) {
      const input = parseInput(declareInput, raw, 'emergency');
      const subject = await deps.directory.findSubject(input.subjectId);
      if (!subject) throw new NotFoundError('subject');
      const decision = await gateFor(correlationId).require(principal, 'emergency.declare', await resourceOf(subject.id, subject.schoolAgencyId), subject.id, {
        concealAs: 'subject',
      });
      const now = deps.clock.now();
      const emergency: Emergency = {
        id: `emg-${randomUUID()}`,
        subjectId: subject.id,
        schoolAgencyId: subject.schoolAgencyId,
        declaredByAgency: principal?.agencyId ?? '',
        declaredByUser: principal?.userId ?? '',
        declaredByRole: principal?.role ?? '',
        justification: input.justification,
        declaredAt: now,
        expiresAt: new Date(now.getTime() + windowMs),
        reviewedBy: null,
        reviewedAt: null,
        reviewNote: null,
      };
      // Whom to tell is the policy's obligation to state; who may be told (no guardian under suspicion) is the record's.
      const guardians = decision.obligations.includes('notify-guardian') ? (await deps.consents.guardiansOf(subject.id)).filter((g) => !g.suspectedOfHarm) : [];
      await deps.uow.withTransaction(async (tx) => {
        await deps.consents.insertEmergency(tx, emergency);
        for (const g of guardians)
          await deps.consents.addNotice(tx, {
            id: `ntc-${randomUUID()}`,
            schoolAgencyId: g.schoolAgencyId,
            guardianUserId: g.guardianUserId,
            subjectId: subject.id,
            kind: 'EMERGENCY_ACCESS',
            at: now,
            detail: `In an emergency, staff of your child's school opened more of your child's record than usual, until ${emergency.expiresAt.toISOString()}. The district education bureau reviews every such case; you can see each access in your child's access log.`,
          });
      });
      // The declarer sees what the policy shows the school of it (the justification is the reviewers').
      return shownAs(emergency, decision);
    },

    /** The district bureau's queue: declarations in its schools not yet signed off, with every access under them. */
    async reviews(principal: Principal | null, first = 50, correlationId?: string) {
      const gate = gateFor(correlationId);
      await gate.require(principal, 'emergency.list', { type: 'collection', of: 'emergency' }, null);
      const schools = (await deps.directory.agencies.list()).filter((a) => a.type === 'school' && a.districtId && a.districtId === principal?.districtId);
      const pending = await deps.consents.unreviewedEmergencies(
        schools.map((s) => s.id),
        Math.min(Math.max(first, 1), 100),
      );
      const decisions = await gate.decideEach(
        principal,
        'emergency.review',
        await Promise.all(pending.map(async (e) => ({ resource: await resourceOf(e.subjectId, e.schoolAgencyId), resourceId: e.id }))),
      );
      const shown = await Promise.all(pending.map(async (e, i) => (decisions[i]?.allow ? shownAs(await withAccesses(e), decisions[i]) : null)));
      return shown.filter((e) => e !== null);
    },

    async signOff(principal: Principal | null, id: string, raw: unknown, correlationId?: string) {
      const input = parseInput(signOffInput, raw, 'review');
      const emergency = await deps.consents.getEmergency(id);
      if (!emergency) throw new NotFoundError('emergency');
      const decision = await gateFor(correlationId).require(
        principal,
        'emergency.sign-off',
        await resourceOf(emergency.subjectId, emergency.schoolAgencyId),
        id,
        {
          concealAs: 'emergency',
        },
      );
      // Signed off only once the window is shut: every access under it is then on the table.
      if (deps.clock.now().getTime() < emergency.expiresAt.getTime()) throw new InvalidTransitionError('OPEN', 'SIGN_OFF', 'emergency');
      const ok = await deps.uow.withTransaction((tx) =>
        deps.consents.signOffEmergency(tx, id, { by: principal?.userId ?? '', at: deps.clock.now(), note: input.note }),
      );
      if (!ok) throw new InvalidTransitionError('SIGNED_OFF', 'SIGN_OFF', 'emergency');
      return shownAs(await withAccesses((await deps.consents.getEmergency(id)) as Emergency), decision);
    },

    /** What the hub told a guardian about their children. */
    async notices(principal: Principal | null, correlationId?: string) {
      const gate = gateFor(correlationId);
      await gate.require(principal, 'emergency.read-notices', { type: 'collection', of: 'emergency' }, null);
      if (!principal) return [];
      const notices = await deps.consents.noticesFor({ schoolAgencyId: principal.agencyId, guardianUserId: principal.userId });
      // Each notice is about a child: shown only while the guardian may see that child (no suspicion standing).
      const childGate = createPolicyGate({
        policy: deps.policy,
        audit: deps.audit,
        clock: deps.clock,
        correlationId: correlationId ?? null,
        purpose: 'consent',
      });
      const decisions = await childGate.decideEach(
        principal,
        'consent.read-child',
        notices.map((n) => ({
          resource: { subjectId: n.subjectId, type: 'consent' as const, schoolAgencyId: principal.agencyId, guardianUserId: principal.userId },
          resourceId: n.id,
        })),
      );
      return notices.filter((_, i) => decisions[i]?.allow);
    },
  };
}

export type EmergencyService = ReturnType<typeof createEmergencyService>;
