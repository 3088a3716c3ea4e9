import DataLoader from 'dataloader';
import type { Clock } from '../clock.js';
import type { PolicyConsent, Relationship } from '../consent/consent.js';
import type { PolicyEngine, Principal } from '../ports/policy-engine.js';

/** Where the policy's facts about the people around a child come from (the consent store). */
export interface PolicyContextSource {
  /** For each child: the consents holding at `at`, what `principal` is to the child, a declared emergency. One lookup. */
  contextOf(principal: Principal, subjectIds: readonly string[], at: Date): Promise<Map<string, PolicyContext>>;
}

/** The facts about one child the policy reads: consents holding now, relationships, a declared emergency. */
export interface PolicyContext {
  consents: PolicyConsent[];
  relationships: Relationship[];
  /** The caller declared an emergency about this child and its window is open (break-glass). */
  emergency: boolean;
}

/**
 * The policy engine with the facts it needs about the child filled in: the guardians' consents that hold now, the
 * caller's relationship to the child (guardian, mentor, class teacher) and an emergency the caller declared about
 * the child whose window is open, looked up for every decision about a
 * child, never cached across decisions, so a revoked consent or a removed mentor counts from the next decision on,
 * including the next push to an open subscription. Decisions made in the same tick (a page of objects) share one
 * lookup.
 */
export function withPolicyContext(engine: PolicyEngine, source: PolicyContextSource, clock: Clock): PolicyEngine {
  const loaders = new Map<string, DataLoader<string, PolicyContext>>();
  const loaderFor = (principal: Principal) => {
    const key = JSON.stringify([principal.agencyId, principal.userId, principal.role]);
    let loader = loaders.get(key);
    if (!loader) {
      loader = new DataLoader(
        async (ids: readonly string[]) => {
          const found = await source.contextOf(principal, ids, clock.now());
          return ids.map((id) => found.get(id) ?? { consents: [], relationships: [], emergency: false });
        },
        // Batching only: every decision reads the facts as they are now.
        { cache: false },
      );
      loaders.set(key, loader);
      // The loader lives for the tick that batches; the next tick gets a new one.
      queueMicrotask(() => setImmediate(() => loaders.delete(key)));
    }
    return loader;
  };
  return {
    ...(engine.version ? { version: engine.version } : {}),
    async decide(input) {
      const subjectId = input.resource.subjectId;
      if (!subjectId || !input.principal) return engine.decide(input);
      const context = await loaderFor(input.principal).load(subjectId);
      return engine.decide({
        ...input,
        consents: context.consents,
        relationships: context.relationships,
        ...(context.emergency ? { emergency: true } : {}),
      });
    },
  };
}
