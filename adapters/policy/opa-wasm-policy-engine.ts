import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { projectFile } from '../runtime/project-file.js';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { LRUCache } from 'lru-cache';
import { z } from 'zod';
import type { PolicyDecision, PolicyEngine, PolicyInput } from '../../core/ports/policy-engine.js';
import { workCounters } from '../metrics/work-counters.js';

export const AUTHZ_ENTRYPOINT = 'careloop/authz/decision';
const DEFAULT_WASM = projectFile('policies', 'dist', 'authz.wasm');
/** Distinct inputs whose decisions are remembered: a few thousand kinds of object and caller, ~1 KB each. */
export const DEFAULT_DECISION_CACHE_SIZE = 4096;

/** A decision that is not exactly what the contract says is an error, never an allow. */
export class PolicyEvaluationError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PolicyEvaluationError';
  }
}

const decisionSchema = z.object({
  allow: z.boolean(),
  conceal: z.boolean(),
  fields: z.array(z.string()),
  reasons: z.array(z.string()),
  basis: z.string(),
  obligations: z.array(z.string()),
});

/**
 * The policy engine port on the compiled Rego (policies/dist/authz.wasm), evaluated in-process with
 * @open-policy-agent/opa-wasm. Evaluation is synchronous, so one policy instance serves all callers in turn.
 *
 * A decision is a pure function of its input: the rules read no clock, no randomness and nothing outside the
 * input (the consents, relationships and emergency that hold *now* are looked up per decision and are part of the
 * input). So decisions are remembered by input, and a page of objects that look alike to the policy (same school,
 * hospital, state, consents, caller) costs one evaluation, not one per object (~45 µs each on this wasm). A
 * remembered decision is frozen, so no caller can alter another's. `decisionCacheSize: 0` evaluates every time.
 */
export async function createOpaWasmPolicyEngine(options: { wasmPath?: string; decisionCacheSize?: number } = {}): Promise<PolicyEngine> {
  const wasm = await readFile(options.wasmPath ?? DEFAULT_WASM);
  const policy = await loadPolicy(wasm);
  const version = `sha256:${createHash('sha256').update(wasm).digest('hex').slice(0, 16)}`;
  if (!(AUTHZ_ENTRYPOINT in policy.entrypoints)) throw new PolicyEvaluationError(`The policy has no entrypoint ${AUTHZ_ENTRYPOINT}.`);
  const cacheSize = options.decisionCacheSize ?? DEFAULT_DECISION_CACHE_SIZE;
  const remembered = cacheSize > 0 ? new LRUCache<string, PolicyDecision>({ max: cacheSize }) : null;

  const evaluate = (input: PolicyInput): PolicyDecision => {
    workCounters.policyEvaluations.inc();
    let result: unknown;
    try {
      result = policy.evaluate(input, AUTHZ_ENTRYPOINT);
    } catch (cause) {
      throw new PolicyEvaluationError('The policy failed to evaluate.', { cause });
    }
    const first = Array.isArray(result) ? (result[0] as { result?: unknown } | undefined)?.result : undefined;
    const parsed = decisionSchema.safeParse(first);
    if (!parsed.success) throw new PolicyEvaluationError('The policy returned a malformed decision.', { cause: parsed.error });
    // Belt and braces: a denial never carries fields, whatever a future rule says.
    const decision = parsed.data.allow ? parsed.data : { ...parsed.data, fields: [], basis: '', obligations: [] };
    return Object.freeze({
      ...decision,
      fields: Object.freeze(decision.fields),
      reasons: Object.freeze(decision.reasons),
      obligations: Object.freeze(decision.obligations),
    }) as PolicyDecision;
  };

  return {
    version,
    async decide(input): Promise<PolicyDecision> {
      workCounters.policyDecisions.inc();
      if (!remembered) return evaluate(input);
      const key = questionKey(input);
      const known = remembered.get(key);
      if (known) return known;
      const decision = evaluate(input);
      remembered.set(key, decision);
      return decision;
    },
  };
}

/** Stands for "the child this question is about" in a question's key; no pseudonym serialises like it. */
const THE_CHILD = { theChild: true } as const;

/**
 * The question an input asks, as a key: the input with the child's pseudonym replaced by a marker, in the resource
 * and in every relationship about the same child. Pseudonyms are opaque: the rules compare them (a relationship
 * holds for *this* child) and never read their content, which the adapter's tests check over every shared case.
 * So two children with the same facts ask the same question, and a relationship about another child stays
 * literal and never passes for one about this child.
 */
export function questionKey(input: PolicyInput): string {
  const child = input.resource.subjectId;
  const same = (value: unknown) => child !== undefined && value === child;
  return JSON.stringify({
    ...input,
    resource: { ...input.resource, subjectId: same(input.resource.subjectId) ? THE_CHILD : undefined },
    relationships: input.relationships.map((r) =>
      r !== null && typeof r === 'object' && same((r as { subjectId?: unknown }).subjectId) ? { ...r, subjectId: THE_CHILD } : r,
    ),
  });
}
