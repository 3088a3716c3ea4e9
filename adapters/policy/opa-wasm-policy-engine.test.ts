import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { PolicyInput } from '../../core/ports/policy-engine.js';
import { createOpaWasmPolicyEngine } from './opa-wasm-policy-engine.js';

/** The cases `opa test` checks, run again on the compiled wasm the hub actually loads. */
const { authz_cases: cases } = JSON.parse(readFileSync(new URL('../../policies/testdata/authz_cases.json', import.meta.url), 'utf8')) as {
  authz_cases: Array<{ name: string; input: PolicyInput; expected: { allow: boolean; conceal: boolean; fields?: string[] } }>;
};

describe('the compiled authorisation policy', async () => {
  const engine = await createOpaWasmPolicyEngine();

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const decision = await engine.decide(c.input);
    expect(decision.allow).toBe(c.expected.allow);
    expect(decision.conceal).toBe(c.expected.conceal);
    if (c.expected.fields) expect(decision.fields).toEqual(c.expected.fields);
    if (!decision.allow) expect(decision.reasons.length).toBeGreaterThan(0);
  });

  it('covers every action the hub asks about', () => {
    const actions = new Set(cases.map((c) => c.input.action));
    for (const a of [
      'subject.list',
      'subject.read',
      'referral.list',
      'referral.create',
      'referral.read',
      'referral.accept',
      'referral.decline',
      'referral.withdraw',
    ]) {
      expect(actions).toContain(a);
    }
  });

  it('refuses to start on a file that is not the compiled policy', async () => {
    // A module that is valid wasm but no OPA policy must fail loudly, never fall back to "allow".
    await expect(createOpaWasmPolicyEngine({ wasmPath: new URL('./opa-wasm-policy-engine.test.ts', import.meta.url).pathname })).rejects.toThrow();
  });
});
