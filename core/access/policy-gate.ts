import type { Clock } from '../clock.js';
import { ForbiddenError, NotFoundError } from '../errors.js';
import type { AuditLog } from '../ports/audit-log.js';
import type { PolicyAction, PolicyDecision, PolicyEngine, PolicyInput, PolicyResource, Principal } from '../ports/policy-engine.js';

export interface PolicyGateOptions {
  policy: PolicyEngine;
  audit: AuditLog;
  clock: Clock;
  correlationId?: string | null;
}

export interface PolicyGate {
  /** Asks the policy and audits the answer, whatever it is. */
  decide(principal: Principal | null, action: PolicyAction, resource: PolicyResource, resourceId: string | null): Promise<PolicyDecision>;
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
  const decide: PolicyGate['decide'] = async (principal, action, resource, resourceId) => {
    const input: PolicyInput = { principal, action, resource, purpose: 'referral', consents: [], relationships: [] };
    const decision = await options.policy.decide(input);
    await options.audit.record({
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
    });
    return decision;
  };
  return {
    decide,
    async require(principal, action, resource, resourceId, requireOptions = {}) {
      const decision = await decide(principal, action, resource, resourceId);
      if (decision.allow) return decision;
      if (decision.conceal) throw new NotFoundError(requireOptions.concealAs ?? (resource.type === 'collection' ? resource.of : resource.type));
      throw new ForbiddenError(undefined, { reasons: decision.reasons });
    },
  };
}
