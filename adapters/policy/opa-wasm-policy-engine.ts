import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { z } from 'zod';
import type { PolicyDecision, PolicyEngine } from '../../core/ports/policy-engine.js';
import { workCounters } from '../metrics/work-counters.js';

export const AUTHZ_ENTRYPOINT = 'careloop/authz/decision';
const DEFAULT_WASM = fileURLToPath(new URL('../../policies/dist/authz.wasm', import.meta.url));

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
 */
export async function createOpaWasmPolicyEngine(options: { wasmPath?: string } = {}): Promise<PolicyEngine> {
  const wasm = await readFile(options.wasmPath ?? DEFAULT_WASM);
  const policy = await loadPolicy(wasm);
  const version = `sha256:${createHash('sha256').update(wasm).digest('hex').slice(0, 16)}`;
  if (!(AUTHZ_ENTRYPOINT in policy.entrypoints)) throw new PolicyEvaluationError(`The policy has no entrypoint ${AUTHZ_ENTRYPOINT}.`);
  return {
    version,
    async decide(input): Promise<PolicyDecision> {
      workCounters.policyDecisions.inc();
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
      return parsed.data.allow ? parsed.data : { ...parsed.data, fields: [], basis: '', obligations: [] };
    },
  };
}
