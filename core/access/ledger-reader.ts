import type { Clock } from '../clock.js';
import { NotFoundError } from '../errors.js';
import type { LedgerStore, SubjectRecord } from '../ports/ledger-store.js';
import type { PolicyEngine, Principal } from '../ports/policy-engine.js';
import type { Referral } from '../referral/referral.js';
import { referralResource } from '../referral/referral-resource.js';
import { ABSENT_REFERRAL } from '../referral/absent-referral.js';
import { disclose } from './disclosure.js';
import { createPolicyGate } from './policy-gate.js';

export type DisclosedReferral = Partial<Referral> & { id: string };
export type DisclosedSubject = Partial<SubjectRecord> & { id: string };

/**
 * A request-scoped, policy-checked view of the ledger: resolvers get data only through it, so no resolver can
 * forget to ask the policy, and each object carries only the fields the decision allowed.
 */
export function createLedgerReader(options: { principal: Principal | null; store: LedgerStore; policy: PolicyEngine; clock: Clock; correlationId?: string }) {
  const { principal, store } = options;
  const gate = createPolicyGate({ policy: options.policy, store, clock: options.clock, correlationId: options.correlationId ?? null });
  const lookups = { directory: store.agencies, store };

  async function showReferral(referral: Referral): Promise<DisclosedReferral | null> {
    const decision = await gate.decide(principal, 'referral.read', await referralResource(referral, lookups), referral.id);
    return decision.allow ? { ...disclose(referral, decision.fields), id: referral.id } : null;
  }

  return {
    /** NOT_FOUND both when it does not exist and when the caller may not know it does. */
    async referral(id: string): Promise<DisclosedReferral> {
      const referral = await store.findReferral(id);
      if (!referral) {
        // Asked and audited like a hidden one: the same work, the same answer.
        await gate.decide(principal, 'referral.read', ABSENT_REFERRAL, id);
        throw new NotFoundError('referral');
      }
      const shown = await showReferral(referral);
      if (!shown) throw new NotFoundError('referral');
      return shown;
    },

    async referrals(): Promise<DisclosedReferral[]> {
      await gate.require(principal, 'referral.list', { type: 'collection', of: 'referral' }, null);
      const all = await store.listReferralsInvolving(principal?.agencyId ?? '');
      return (await Promise.all(all.map(showReferral))).filter((r): r is DisclosedReferral => r !== null);
    },

    /** For subscriptions: the referral as this caller may see it now, or null. */
    showReferral,

    async students(): Promise<DisclosedSubject[]> {
      await gate.require(principal, 'subject.list', { type: 'collection', of: 'subject' }, null);
      const subjects = await store.listSubjects(principal?.agencyId ?? '');
      const shown = await Promise.all(
        subjects.map(async (s) => {
          const decision = await gate.decide(principal, 'subject.read', { type: 'subject', schoolAgencyId: s.schoolAgencyId }, s.id);
          return decision.allow ? { ...disclose(s, decision.fields), id: s.id } : null;
        }),
      );
      return shown.filter((s): s is DisclosedSubject => s !== null);
    },
  };
}

export type LedgerReader = ReturnType<typeof createLedgerReader>;
