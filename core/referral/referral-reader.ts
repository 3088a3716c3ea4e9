import { z } from 'zod';
import type { Clock } from '../clock.js';
import { shownAs } from '../access/disclosure.js';
import { requestScopedDirectoryStore } from '../access/request-directory.js';
import { createPolicyGate } from '../access/policy-gate.js';
import { BadUserInputError, NotFoundError } from '../errors.js';
import { decodeCursor, EMPTY_PAGE, encodeCursor, type Page, pageArgs } from '../paging/page-cursor.js';
import { parseInput } from '../validation/parse-input.js';
import type { AuditLog } from '../ports/audit-log.js';
import type { DirectoryStore } from '../ports/directory.js';
import type { PolicyEngine, Principal } from '../ports/policy-engine.js';
import { ABSENT_REFERRAL } from './absent-referral.js';
import { normaliseReferralCode } from './referral-code.js';
import { REFERRAL_CHANNELS } from './referral-events.js';
import { referralResource } from './referral-resource.js';
import { REFERRAL_STATES } from './referral-state-machine.js';
import type { ReferralCounts, ReferralFilter, ReferralStore } from './referral-store.js';
import type { Referral } from './referral.js';

export type DisclosedReferral = Partial<Referral> & { id: string };

const DEFAULT_PAGE_SIZE = 20;

export const referralListArgs = z.object({
  filter: z
    .object({
      states: z.array(z.enum(REFERRAL_STATES)).max(REFERRAL_STATES.length).optional().nullable(),
      channel: z.enum(REFERRAL_CHANNELS).optional().nullable(),
      schoolAgencyId: z.string().max(100).optional().nullable(),
      hospitalAgencyId: z.string().max(100).optional().nullable(),
      overdue: z.boolean().optional().nullable(),
    })
    .optional()
    .nullable(),
  ...pageArgs,
});

const toReferralCursor = (c: { at: Date; id: string }) => ({ createdAt: c.at, id: c.id });

export type ReferralConnection = Page<DisclosedReferral>;

/**
 * A request-scoped, policy-checked view of referrals: resolvers get data only through it, so no resolver can
 * forget to ask the policy, and each object carries only the fields the decision allowed.
 */
export function createReferralReader(options: {
  principal: Principal | null;
  referrals: ReferralStore;
  directory: DirectoryStore;
  audit: AuditLog;
  policy: PolicyEngine;
  clock: Clock;
  correlationId?: string;
  /**
   * The children the policy lets a guardian know (none while a suspicion of harm stands against them), to list
   * their referrals; the policy still decides each referral.
   */
  guardianChildren?: (principal: Principal, correlationId?: string) => Promise<Array<{ subjectId: string }>>;
}) {
  const { principal, referrals } = options;
  const directory = requestScopedDirectoryStore(options.directory);
  const gate = createPolicyGate({ policy: options.policy, audit: options.audit, clock: options.clock, correlationId: options.correlationId ?? null });

  async function showReferral(referral: Referral): Promise<DisclosedReferral | null> {
    const decision = await gate.decide(principal, 'referral.read', await referralResource(referral, directory), referral.id);
    return shownAs(referral, decision);
  }

  async function shownOrNotFound(referral: Referral | null, id: string | null): Promise<DisclosedReferral> {
    if (!referral) {
      // Asked and audited like a hidden one: the same work, the same answer. The store read a referral and what is
      // attached in one statement either way; the child is looked up too, as a hidden referral's resource does.
      await Promise.all([gate.decide(principal, 'referral.read', ABSENT_REFERRAL, id), directory.findSubject(id ?? '')]);
      throw new NotFoundError('referral');
    }
    const shown = await showReferral(referral);
    if (!shown) throw new NotFoundError('referral');
    return shown;
  }

  /** The schools a bureau oversees; none for a principal without a district. */
  async function schoolsOf(districtId: string | null | undefined) {
    return districtId ? (await directory.agencies.list()).filter((a) => a.type === 'school' && a.districtId === districtId) : [];
  }

  /** Which referrals a caller's agency is party to: the SQL side of "involving me"; the policy still decides each. */
  async function scopeOf(p: Principal): Promise<ReferralFilter> {
    // The bureau is shown its schools' referrals only while overdue (referral.rego): only those reach the SQL, so no
    // cursor or `hasMore` tells it of one it may not see.
    if (p.agencyType === 'education-bureau') return { schoolAgencyIds: (await schoolsOf(p.districtId)).map((s) => s.id), overdue: true };
    // Only children the guardian may know of reach the SQL: a hidden referral of another must not show as a cursor.
    if (p.role === 'guardian') return { subjectIds: ((await options.guardianChildren?.(p, options.correlationId)) ?? []).map((c) => c.subjectId) };
    return { involving: p.agencyId };
  }

  return {
    /** The directory as this request sees it (each subject and agency looked up once), for the request's changes too. */
    directory,

    /** NOT_FOUND both when it does not exist and when the caller may not know it does. */
    async referral(id: string): Promise<DisclosedReferral> {
      return shownOrNotFound(await referrals.find(id), id);
    },

    /** The referral a family's letter names; NOT_FOUND alike for an unknown code and another agency's referral. */
    async referralByCode(code: string): Promise<DisclosedReferral> {
      const normalised = normaliseReferralCode(code);
      return shownOrNotFound(normalised ? await referrals.findByCode(normalised) : null, null);
    },

    async referrals(rawArgs: unknown): Promise<ReferralConnection> {
      const args = parseInput(referralListArgs, rawArgs ?? {}, 'list arguments');
      await gate.require(principal, 'referral.list', { type: 'collection', of: 'referral' }, null);
      const f = args.filter ?? {};
      const scope = principal ? await scopeOf(principal) : { involving: '' };
      // The caller's filter narrows the scope, never widens it: asking a scope of overdue referrals for the others
      // finds none.
      if (scope.overdue !== undefined && typeof f.overdue === 'boolean' && f.overdue !== scope.overdue) return EMPTY_PAGE;
      const filter: ReferralFilter = {
        ...(f.states ? { states: f.states } : {}),
        ...(f.channel ? { channel: f.channel } : {}),
        ...(f.schoolAgencyId ? { schoolAgencyId: f.schoolAgencyId } : {}),
        ...(f.hospitalAgencyId ? { hospitalAgencyId: f.hospitalAgencyId } : {}),
        ...(typeof f.overdue === 'boolean' ? { overdue: f.overdue } : {}),
        ...scope,
      };
      const page = await referrals.list(filter, {
        first: args.first ?? DEFAULT_PAGE_SIZE,
        ...(args.after ? { after: toReferralCursor(decodeCursor(args.after)) } : {}),
      });
      const resources = await Promise.all(page.items.map(async (r) => ({ resource: await referralResource(r, directory), resourceId: r.id })));
      const decisions = await gate.decideEach(principal, 'referral.read', resources);
      const shown = page.items.map((r, i) => shownAs(r, decisions[i]));
      const last = page.items.at(-1);
      return {
        items: shown.filter((r): r is DisclosedReferral => r !== null),
        endCursor: last ? encodeCursor({ at: last.createdAt, id: last.id }) : null,
        hasMore: page.hasMore,
      };
    },

    /** For subscriptions: the referral as this caller may see it now, or null. */
    showReferral,

    /** A referral the caller already holds (a mutation's result), as the caller may see it; NOT_FOUND as `referral`. */
    present: (referral: Referral) => shownOrNotFound(referral, referral.id),

    /** The bureau's counters for the schools of its district, for referrals sent in [from, to). */
    async districtCounters(from: Date, to: Date): Promise<{ districtId: string; schools: ReferralCounts[] }> {
      if (!(from < to)) throw new BadUserInputError('The period must end after it starts.', { field: 'to' });
      const districtId = principal?.districtId ?? '';
      await gate.require(principal, 'referral.counters', { type: 'district', districtId }, districtId || null);
      const schools = await schoolsOf(districtId);
      const counted = new Map(
        (
          await referrals.countBySchool(
            schools.map((s) => s.id),
            from,
            to,
          )
        ).map((c) => [c.schoolAgencyId, c]),
      );
      return {
        districtId,
        schools: schools.map(
          (s) =>
            counted.get(s.id) ?? {
              schoolAgencyId: s.id,
              referred: 0,
              referredOutpatient: 0,
              referredCounselling: 0,
              attended: 0,
              admitted: 0,
              returnedToSchool: 0,
              deadlineBreaches: 0,
            },
        ),
      };
    },
  };
}

export type ReferralReader = ReturnType<typeof createReferralReader>;
