import type { Clock } from '../clock.js';
import { ForbiddenError, NotFoundError } from '../errors.js';
import { explainDenial } from './denial-reasons.js';
import type { AuditLog } from '../ports/audit-log.js';
import type { PolicyAction, PolicyDecision, PolicyEngine, PolicyInput, PolicyPurpose, PolicyResource, Principal } from '../ports/policy-engine.js';

/** Resources whose id is the child's pseudonym itself. */
const SUBJECT_KEYED = new Set(['subject', 'screening-record', 'care-flag']);

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
    subjectId: resource.subjectId ?? (SUBJECT_KEYED.has(resource.type) ? resourceId : null),
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
  return {
    decide,
    async decideEach(principal, action, items) {
      const decisions = await Promise.all(items.map((item) => ask(principal, action, item.resource)));
      await options.audit.record(items.map((item, i) => entry(principal, action, item.resource, item.resourceId, decisions[i]!)));
      return decisions;
    },
    async require(principal, action, resource, resourceId, requireOptions = {}) {
      const decision = await decide(principal, action, resource, resourceId);
      if (decision.allow) return decision;
      if (decision.conceal) throw new NotFoundError(requireOptions.concealAs ?? (resource.type === 'collection' ? resource.of : resource.type));
      // The caller may know the resource, so the rule and what is missing can be said, in both languages.
      throw new ForbiddenError(undefined, { reasons: decision.reasons, rule: action, explanation: explainDenial(decision.reasons) });
    },
  };
}
