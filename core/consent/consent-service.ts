import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { shownAs } from '../access/disclosure.js';
import { createPolicyGate } from '../access/policy-gate.js';
import type { Clock } from '../clock.js';
import { BadUserInputError, InvalidTransitionError, NotFoundError } from '../errors.js';
import type { AuditLog } from '../ports/audit-log.js';
import type { DirectoryStore } from '../ports/directory.js';
import type { PolicyEngine, PolicyResource, Principal } from '../ports/policy-engine.js';
import type { Transaction, UnitOfWork } from '../ports/unit-of-work.js';
import { identifier, safeText } from '../safe-text.js';
import { parseInput } from '../validation/parse-input.js';
import {
  CONSENT_CATEGORIES,
  CONSENT_PURPOSES,
  CONSENT_RECIPIENTS,
  concernReviewDue,
  consentHolds,
  linkKeyOf,
  type Consent,
  type GuardianLink,
  type GuardianLinkKey,
} from './consent.js';
import type { ConsentStore } from './consent-store.js';

const scope = {
  purposes: z.array(z.enum(CONSENT_PURPOSES)).min(1).max(CONSENT_PURPOSES.length),
  categories: z.array(z.enum(CONSENT_CATEGORIES)).min(1).max(CONSENT_CATEGORIES.length),
  recipients: z.array(z.enum(CONSENT_RECIPIENTS)).min(1).max(CONSENT_RECIPIENTS.length),
  validUntil: z.date().optional().nullable(),
  evidence: safeText({ max: 500, what: 'evidence' }),
};
const grantInput = z.object({ subjectId: identifier, guardianUserId: identifier.optional().nullable(), validFrom: z.date().optional().nullable(), ...scope });
const amendInput = z.object(scope);
const linkInput = z.object({ subjectId: identifier, guardianUserId: identifier });
const concernInput = z.object({
  subjectId: identifier,
  guardianUserId: identifier,
  suspected: z.boolean(),
  reason: safeText({ max: 1000, what: 'reason' }).optional().nullable(),
});
const queueArgs = z.object({ first: z.number().int().min(1).max(100).optional().nullable() });
const reviewInput = z.object({ subjectId: identifier, guardianUserId: identifier, note: safeText({ max: 1000, what: 'note' }) });

/** How often a standing suspicion of harm is reviewed unless configured: a month. */
export const DEFAULT_CONCERN_REVIEW_MS = 30 * 24 * 3600_000;
/**
 * Guardians and their consents (issue 9; PIPL Arts. 14, 29, 31). The school links a guardian it has issued an
 * identity to a child, records a suspicion that a guardian is the source of harm (the guardian is then shown
 * nothing and told nothing until it is cleared), and records consents the guardian gave; a guardian grants,
 * amends and revokes their own. Who may do what is the policy's to say (consent.rego).
 */
export function createConsentService(deps: {
  uow: UnitOfWork;
  consents: ConsentStore;
  directory: DirectoryStore;
  audit: AuditLog;
  policy: PolicyEngine;
  clock: Clock;
  /** How often a standing suspicion of harm must be reviewed (default a month). */
  concernReviewEveryMs?: number;
}) {
  const reviewEveryMs = deps.concernReviewEveryMs ?? DEFAULT_CONCERN_REVIEW_MS;
  const gateFor = (correlationId?: string) =>
    createPolicyGate({ policy: deps.policy, audit: deps.audit, clock: deps.clock, correlationId: correlationId ?? null, purpose: 'consent' });
  async function childResource(subjectId: string, guardianUserId = '', recordedBy = ''): Promise<PolicyResource> {
    const subject = await deps.directory.findSubject(subjectId);
    return { subjectId, type: 'consent', schoolAgencyId: subject?.schoolAgencyId ?? '', guardianUserId, recordedBy };
  }
  const now = () => deps.clock.now();

  /** Each link decided by the policy (one decision each, one audit write), with when its suspicion is due for review. */
  async function linksAsSeen(gate: ReturnType<typeof gateFor>, principal: Principal | null, links: GuardianLink[]) {
    const decisions = await gate.decideEach(
      principal,
      'consent.read-guardian-link',
      links.map((l) => ({
        resource: { subjectId: l.subjectId, type: 'guardian-link' as const, schoolAgencyId: l.schoolAgencyId, guardianUserId: l.guardianUserId },
        resourceId: l.subjectId,
      })),
    );
    const shown = links.filter((_, i) => decisions[i]?.allow);
    // The reviews are read only for the links the caller is shown.
    const reviews = await deps.consents.concernReviews(shown);
    return links
      .map((l, i) =>
        shownAs(
          {
            ...l,
            id: linkKeyOf(l),
            concern: l.concern && { ...l.concern, reviews: reviews.get(linkKeyOf(l)) ?? [] },
            reviewDueAt: concernReviewDue(l, reviewEveryMs),
          },
          decisions[i],
        ),
      )
      .filter((l) => l !== null);
  }

  /**
   * A guardian's link to a child as the policy sees it: at the caller's school when that school linked the guardian
   * (a school keeps its own record, and reviews it, after the child has moved on), else at the child's school now.
   * An empty `guardianUserId` asks about the child's links as a whole.
   */
  async function linkResource(principal: Principal | null, subjectId: string, guardianUserId: string): Promise<PolicyResource & GuardianLinkKey> {
    const own = (await deps.consents.guardiansOf(subjectId)).find(
      (l) => l.schoolAgencyId === principal?.agencyId && (guardianUserId === '' || l.guardianUserId === guardianUserId),
    );
    const schoolAgencyId = own?.schoolAgencyId ?? (await deps.directory.findSubject(subjectId))?.schoolAgencyId ?? '';
    return { subjectId, type: 'guardian-link', schoolAgencyId, guardianUserId };
  }

  /**
   * A change to one guardian link's suspicion: the link as the policy sees it, the policy's say on `action`, then the
   * link at that school held for `change` in one transaction (null when that school never linked the guardian).
   */
  async function changeSuspicion(
    principal: Principal | null,
    action: 'consent.record-concern' | 'consent.review-concern',
    link: { subjectId: string; guardianUserId: string },
    correlationId: string | undefined,
    change: (tx: Transaction, held: GuardianLink | null, key: GuardianLinkKey) => Promise<void>,
  ): Promise<true> {
    const key = await linkResource(principal, link.subjectId, link.guardianUserId);
    await gateFor(correlationId).require(principal, action, key, link.subjectId, { concealAs: 'subject' });
    await deps.uow.withTransaction(async (tx) => change(tx, await deps.consents.lockLink(tx, key), key));
    return true;
  }

  async function mustBeGuardian(subjectId: string, guardianUserId: string) {
    if (!(await deps.consents.guardiansOf(subjectId)).some((g) => g.guardianUserId === guardianUserId))
      throw new BadUserInputError('The school has not linked this guardian to the child.', { field: 'guardianUserId' });
  }

  return {
    async linkGuardian(principal: Principal | null, raw: unknown, correlationId?: string): Promise<boolean> {
      const input = parseInput(linkInput, raw);
      // A school links guardians to the children enrolled with it now.
      const subject = await deps.directory.findSubject(input.subjectId);
      const resource = {
        subjectId: input.subjectId,
        type: 'guardian-link' as const,
        schoolAgencyId: subject?.schoolAgencyId ?? '',
        guardianUserId: input.guardianUserId,
      };
      await gateFor(correlationId).require(principal, 'consent.link-guardian', resource, input.subjectId, { concealAs: 'subject' });
      await deps.uow.withTransaction((tx) =>
        deps.consents.link(tx, {
          schoolAgencyId: resource.schoolAgencyId,
          guardianUserId: input.guardianUserId,
          subjectId: input.subjectId,
          linkedBy: principal?.userId ?? '',
          linkedAt: now(),
          suspectedOfHarm: false,
        }),
      );
      return true;
    },

    /** Minors Protection Law Art. 11: a guardian suspected of the harm is told nothing; the exception is recorded. */
    async recordConcern(principal: Principal | null, raw: unknown, correlationId?: string): Promise<boolean> {
      const input = parseInput(concernInput, raw);
      return changeSuspicion(principal, 'consent.record-concern', input, correlationId, async (tx, link, key) => {
        if (!link) throw new NotFoundError('guardian');
        // Recording again would restart the review clock without a review; clearing needs one to stand.
        if (input.suspected && link.suspectedOfHarm) throw new InvalidTransitionError('SUSPECTED', 'RECORD_CONCERN', 'guardian concern');
        if (!input.suspected && !link.suspectedOfHarm) throw new NotFoundError('guardian concern');
        await deps.consents.setSuspicion(tx, key, { suspected: input.suspected, by: principal?.userId ?? '', at: now(), reason: input.reason ?? null });
      });
    },

    async grant(principal: Principal | null, raw: unknown, correlationId?: string): Promise<Consent> {
      const input = parseInput(grantInput, raw, 'consent');
      // A guardian grants in their own name; school staff record what a named guardian gave.
      const guardianUserId = principal?.role === 'guardian' ? principal.userId : (input.guardianUserId ?? '');
      const resource = await childResource(input.subjectId, guardianUserId);
      await gateFor(correlationId).require(principal, 'consent.grant', resource, input.subjectId, { concealAs: 'subject' });
      await mustBeGuardian(input.subjectId, guardianUserId);
      const at = now();
      const validFrom = input.validFrom ?? at;
      // A consent is given now for now and later; a start long past would claim it covered what happened before.
      if (validFrom.getTime() < at.getTime() - 24 * 3600_000)
        throw new BadUserInputError('validFrom may not lie more than a day in the past.', { field: 'validFrom' });
      if (input.validUntil && input.validUntil.getTime() <= validFrom.getTime())
        throw new BadUserInputError('validUntil must come after validFrom.', { field: 'validUntil' });
      const consent: Consent = {
        id: `cns-${randomUUID()}`,
        subjectId: input.subjectId,
        guardianUserId,
        schoolAgencyId: 'schoolAgencyId' in resource ? resource.schoolAgencyId : '',
        purposes: [...new Set(input.purposes)],
        categories: [...new Set(input.categories)],
        recipients: [...new Set(input.recipients)],
        validFrom,
        validUntil: input.validUntil ?? null,
        evidence: input.evidence,
        recordedBy: principal?.userId ?? '',
        recordedAt: at,
        version: 1,
        revokedAt: null,
        revokedBy: null,
      };
      await deps.uow.withTransaction((tx) => deps.consents.insert(tx, consent));
      return consent;
    },

    async amend(principal: Principal | null, id: string, raw: unknown, correlationId?: string): Promise<Consent> {
      const input = parseInput(amendInput, raw, 'consent change');
      const current = await deps.consents.get(id);
      if (!current) throw new NotFoundError('consent');
      await gateFor(correlationId).require(principal, 'consent.amend', await childResource(current.subjectId, current.guardianUserId, current.recordedBy), id, {
        concealAs: 'consent',
      });
      if (input.validUntil && input.validUntil.getTime() <= current.validFrom.getTime())
        throw new BadUserInputError('validUntil must come after validFrom.', { field: 'validUntil' });
      const ok = await deps.uow.withTransaction((tx) =>
        deps.consents.amend(
          tx,
          id,
          {
            purposes: [...new Set(input.purposes)],
            categories: [...new Set(input.categories)],
            recipients: [...new Set(input.recipients)],
            validUntil: input.validUntil ?? null,
            evidence: input.evidence,
          },
          principal?.userId ?? '',
          now(),
        ),
      );
      if (!ok) throw new InvalidTransitionError('REVOKED', 'AMEND', 'consent');
      return (await deps.consents.get(id)) as Consent;
    },

    /** Revocation counts from the next decision on, for every request and every open subscription. */
    async revoke(principal: Principal | null, id: string, correlationId?: string): Promise<Consent> {
      const current = await deps.consents.get(id);
      if (!current) throw new NotFoundError('consent');
      await gateFor(correlationId).require(principal, 'consent.revoke', await childResource(current.subjectId, current.guardianUserId), id, {
        concealAs: 'consent',
      });
      const ok = await deps.uow.withTransaction((tx) => deps.consents.revoke(tx, id, now(), principal?.userId ?? ''));
      if (!ok) throw new InvalidTransitionError('REVOKED', 'REVOKE', 'consent');
      return (await deps.consents.get(id)) as Consent;
    },

    /** The child's consents as the caller may see them: the school all, a guardian their own. */
    async list(principal: Principal | null, subjectId: string, correlationId?: string) {
      const gate = gateFor(correlationId);
      // The child is looked up once: every consent on the list is about the same child.
      const child = await childResource(subjectId);
      await gate.require(principal, 'consent.list', child, subjectId, { concealAs: 'subject' });
      const consents = await deps.consents.forSubject(subjectId);
      const decisions = await gate.decideEach(
        principal,
        'consent.read',
        consents.map((c) => ({ resource: { ...child, guardianUserId: c.guardianUserId, recordedBy: c.recordedBy }, resourceId: c.id })),
      );
      const at = now();
      return consents.map((c, i) => shownAs({ ...c, holds: consentHolds(c, at) }, decisions[i])).filter((c) => c !== null);
    },

    /**
     * Minors Protection Law Art. 11: a standing suspicion is reviewed, not left to stand unexamined. The review is
     * recorded (who, when, a sealed note) and the suspicion keeps standing; clearing it is `recordConcern`.
     */
    async reviewConcern(principal: Principal | null, raw: unknown, correlationId?: string): Promise<boolean> {
      const input = parseInput(reviewInput, raw);
      return changeSuspicion(principal, 'consent.review-concern', input, correlationId, async (tx, link, key) => {
        if (!link?.suspectedOfHarm) throw new NotFoundError('guardian concern');
        await deps.consents.reviewSuspicion(tx, key, { by: principal?.userId ?? '', at: now(), note: input.note });
      });
    },

    /** The child's guardians as the school linked them, each with the suspicion recorded about them and its review. */
    async guardians(principal: Principal | null, subjectId: string, correlationId?: string) {
      const gate = gateFor(correlationId);
      await gate.require(principal, 'consent.list-guardians', await linkResource(principal, subjectId, ''), subjectId, { concealAs: 'subject' });
      return linksAsSeen(gate, principal, await deps.consents.guardiansOf(subjectId));
    },

    /** The caller's school's standing suspicions, the longest unreviewed first: the school's review queue. */
    async standingConcerns(principal: Principal | null, rawArgs: unknown, correlationId?: string) {
      const { first } = parseInput(queueArgs, rawArgs ?? {}, 'list arguments');
      const gate = gateFor(correlationId);
      await gate.require(principal, 'consent.list-concerns', { type: 'collection', of: 'guardian-link' }, null);
      const links = await deps.consents.standingSuspicions(principal?.agencyId ?? '', first ?? 50, principal?.userId ?? '');
      return linksAsSeen(gate, principal, links);
    },

    /** One consent as the caller may see it (after a change: the guardian does not get the school's evidence back). */
    async read(principal: Principal | null, id: string, correlationId?: string) {
      const consent = await deps.consents.get(id);
      if (!consent) return null;
      const [decision] = await gateFor(correlationId).decideEach(principal, 'consent.read', [
        { resource: await childResource(consent.subjectId, consent.guardianUserId), resourceId: id },
      ]);
      return shownAs({ ...consent, holds: consentHolds(consent, now()) }, decision);
    },

    /** A guardian's children (those the school linked and no suspicion stands against the guardian for). */
    async myChildren(principal: Principal | null, correlationId?: string) {
      if (principal?.role !== 'guardian') return [];
      const links = await deps.consents.childrenOf({ schoolAgencyId: principal.agencyId, guardianUserId: principal.userId });
      const decisions = await gateFor(correlationId).decideEach(
        principal,
        'consent.read-child',
        // A guardian's children are at the guardian's school (the link says so): no lookup per child.
        links.map((l) => ({
          resource: { subjectId: l.subjectId, type: 'consent' as const, schoolAgencyId: l.schoolAgencyId, guardianUserId: principal.userId },
          resourceId: l.subjectId,
        })),
      );
      return links.flatMap((l, i) => (decisions[i]?.allow ? [{ subjectId: l.subjectId, schoolAgencyId: l.schoolAgencyId }] : []));
    },
  };
}

export type ConsentService = ReturnType<typeof createConsentService>;
