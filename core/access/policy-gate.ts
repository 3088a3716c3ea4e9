import type { Clock } from '../clock.js';
import { ForbiddenError, NotFoundError } from '../errors.js';
import { explainDenial } from './denial-reasons.js';
import { shownAs } from './disclosure.js';
import type { AuditEntry, AuditLog } from '../ports/audit-log.js';
import type { PolicyAction, PolicyDecision, PolicyEngine, PolicyInput, PolicyPurpose, PolicyResource, Principal } from '../ports/policy-engine.js';

export interface PolicyGateOptions {
  policy: PolicyEngine;
  audit: AuditLog;
  clock: Clock;
  correlationId?: string | null;
  /** The purpose every decision of this gate is asked for; a capability declares its own. Default `referral`. */
  purpose?: PolicyPurpose;
}

export interface PolicyGate {
  /** Asks the policy and audits the answer, whatever it is. */
  decide(principal: Principal | null, action: PolicyAction, resource: PolicyResource, resourceId: string | null): Promise<PolicyDecision>;
  /** One decision per object, all audited in one write: how a page of objects is checked. */
  decideEach(
    principal: Principal | null,
    action: PolicyAction,
    items: readonly { resource: PolicyResource; resourceId: string | null }[],
  ): Promise<PolicyDecision[]>;
  /**
   * A page of objects as the caller may see them: one decision per object (all audited in one write), each object
   * cut down to its allowed fields (through `toView` first, when the policy names the fields of a view), the denied
   * ones left out altogether.
   */
  discloseEach<T extends { id: string }, V extends { id: string } = T>(
    principal: Principal | null,
    action: PolicyAction,
    items: readonly T[],
    resourceOf: (item: T) => PolicyResource | Promise<PolicyResource>,
    toView?: (item: T) => V,
  ): Promise<Array<Partial<V> & { id: string }>>;
  /**
   * Like `decide`, but a denial throws: NOT_FOUND when the policy conceals the resource (the caller must not
   * learn it exists, answered exactly as for a missing one), FORBIDDEN otherwise.
   */
  require(
    principal: Principal | null,
    action: PolicyAction,
    resource: PolicyResource,
    resourceId: string | null,
    options?: { concealAs?: string },
  ): Promise<PolicyDecision>;
  /**
   * Runs `work` with a gate whose decisions are held, then audits them all in one write when `work` ends, whether it
   * returned or threw (a denial too), before this call answers. For the decisions one step makes before it acts on
   * any of them: `work` must disclose nothing itself.
   */
  together<T>(work: (gate: PolicyGate) => Promise<T>): Promise<T>;
}

/** The single enforcement point: every read and every write of the ledger asks here, and every answer is audited. */
export function createPolicyGate(options: PolicyGateOptions): PolicyGate {
  const entry = (principal: Principal | null, action: PolicyAction, resource: PolicyResource, resourceId: string | null, decision: PolicyDecision) => ({
    at: options.clock.now(),
    principalAgencyId: principal?.agencyId ?? null,
    principalUserId: principal?.userId ?? null,
    action,
    resourceType: resource.type === 'collection' ? `${resource.of}[]` : resource.type,
    resourceId,
    allowed: decision.allow,
    fields: decision.allow ? decision.fields : [],
    reasons: decision.reasons,
    correlationId: options.correlationId ?? null,
    principalRole: principal?.role ?? null,
    subjectId: resource.subjectId ?? null,
    purpose: options.purpose ?? 'referral',
    legalBasis: decision.allow ? decision.basis || null : null,
    policyVersion: options.policy.version ?? null,
  });
  const ask = (principal: Principal | null, action: PolicyAction, resource: PolicyResource): Promise<PolicyDecision> => {
    const input: PolicyInput = { principal, action, resource, purpose: options.purpose ?? 'referral', consents: [], relationships: [] };
    return options.policy.decide(input);
  };
  const decide: PolicyGate['decide'] = async (principal, action, resource, resourceId) => {
    const decision = await ask(principal, action, resource);
    await options.audit.record([entry(principal, action, resource, resourceId, decision)]);
    return decision;
  };
  const decideEach: PolicyGate['decideEach'] = async (principal, action, items) => {
    const decisions = await Promise.all(items.map((item) => ask(principal, action, item.resource)));
    await options.audit.record(items.map((item, i) => entry(principal, action, item.resource, item.resourceId, decisions[i]!)));
    return decisions;
  };
  return {
    decide,
    decideEach,
    async discloseEach<T extends { id: string }, V extends { id: string } = T>(
      principal: Principal | null,
      action: PolicyAction,
      items: readonly T[],
      resourceOf: (item: T) => PolicyResource | Promise<PolicyResource>,
      toView?: (item: T) => V,
    ): Promise<Array<Partial<V> & { id: string }>> {
      const resources = await Promise.all(items.map(async (item) => resourceOf(item)));
      const decisions = await decideEach(
        principal,
        action,
        items.map((item, i) => ({ resource: resources[i]!, resourceId: item.id })),
      );
      const view = toView ?? ((item: T) => item as unknown as V);
      return items.map((item, i) => shownAs(view(item), decisions[i])).filter((x): x is Partial<V> & { id: string } => x !== null);
    },
    async require(principal, action, resource, resourceId, requireOptions = {}) {
      const decision = await decide(principal, action, resource, resourceId);
      if (decision.allow) return decision;
      if (decision.conceal) throw new NotFoundError(requireOptions.concealAs ?? (resource.type === 'collection' ? resource.of : resource.type));
      // The caller may know the resource, so the rule and what is missing can be said, in both languages.
      throw new ForbiddenError(undefined, { reasons: decision.reasons, rule: action, explanation: explainDenial(decision.reasons) });
    },
    async together(work) {
      const held: AuditEntry[] = [];
      const holding = createPolicyGate({ ...options, audit: { record: async (entries) => void held.push(...entries) } });
      try {
        return await work(holding);
      } finally {
        if (held.length > 0) await options.audit.record(held);
      }
    },
  };
}
