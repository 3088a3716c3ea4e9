import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { PolicyInput } from '../../core/ports/policy-engine.js';
import { readWorkCounters } from '../metrics/work-counters.js';
import { createOpaWasmPolicyEngine, questionKey } from './opa-wasm-policy-engine.js';

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

/** The input with one child's pseudonym renamed everywhere it names that child (the resource, its relationships). */
function renamed(input: PolicyInput, from: string | undefined, to: string): PolicyInput {
  const rename = (value: unknown) => (value === from ? to : value);
  return {
    ...input,
    resource: { ...input.resource, subjectId: to },
    relationships: input.relationships.map((r) => (r && typeof r === 'object' ? { ...r, subjectId: rename((r as { subjectId?: unknown }).subjectId) } : r)),
  };
}

const evaluations = async () => (await readWorkCounters()).policyEvaluations;

describe('remembered decisions', async () => {
  const everyTime = await createOpaWasmPolicyEngine({ decisionCacheSize: 0 });

  it.each(cases.map((c) => [c.name, c] as const))('pseudonyms are opaque to the policy: %s decides the same for any child', async (_name, c) => {
    // What lets a remembered decision stand for another child with the same facts.
    const from = c.input.resource.subjectId;
    const original = await everyTime.decide(c.input);
    expect(await everyTime.decide(renamed(c.input, from, 'child-renamed-1'))).toEqual(original);
    expect(await everyTime.decide(renamed(c.input, from, 'Z'))).toEqual(original);
  });

  it('answers every shared case exactly as evaluating it does, asked twice', async () => {
    const remembering = await createOpaWasmPolicyEngine();
    for (const c of cases) {
      const expected = await everyTime.decide(c.input);
      expect(await remembering.decide(c.input)).toEqual(expected);
      expect(await remembering.decide(c.input)).toEqual(expected);
    }
  });

  it('evaluates a question once: another child with the same facts is answered from memory', async () => {
    const remembering = await createOpaWasmPolicyEngine();
    const c = cases.find((x) => x.input.action === 'referral.read' && x.expected.allow)!;
    const before = await evaluations();
    const first = await remembering.decide({ ...c.input, resource: { ...c.input.resource, subjectId: 'child-1' } });
    const second = await remembering.decide({ ...c.input, resource: { ...c.input.resource, subjectId: 'child-2' } });
    expect(second).toEqual(first);
    expect((await evaluations()) - before).toBe(1);
  });

  it('asks again when any fact differs: the caller, the state, a consent, a relationship or an emergency', async () => {
    const remembering = await createOpaWasmPolicyEngine();
    const c = cases.find((x) => x.input.action === 'referral.read' && x.expected.allow)!;
    const base: PolicyInput = { ...c.input, resource: { ...c.input.resource, subjectId: 'child-1' } };
    const variants: PolicyInput[] = [
      base,
      { ...base, principal: { ...base.principal!, role: 'mentor' } },
      { ...base, resource: { ...base.resource, state: 'CLOSED' } as PolicyInput['resource'] },
      { ...base, consents: [{ purposes: ['referral'], categories: ['clinical-detail'], recipients: ['school'] }] },
      { ...base, relationships: [{ kind: 'guardian', subjectId: 'child-1' }] },
      { ...base, emergency: true },
    ];
    const before = await evaluations();
    for (const v of variants) expect(await remembering.decide(v)).toEqual(await everyTime.decide(v));
    // Each variant evaluated once by each engine: nothing was answered from another variant's memory.
    expect((await evaluations()) - before).toBe(variants.length * 2);
  });

  it('never lets a relationship about another child pass for one about this child', () => {
    const guardianOf = (child: string, about: string): PolicyInput => ({
      principal: { agencyId: 'school-a', agencyType: 'school', role: 'guardian', userId: 'g1', districtId: 'd1' },
      action: 'referral.read',
      resource: { ...(cases[0]!.input.resource as object), subjectId: child } as PolicyInput['resource'],
      purpose: 'referral',
      consents: [],
      relationships: [{ kind: 'guardian', subjectId: about }],
    });
    // Same question for two children each with their own guardian; a different one when the link is another child's.
    expect(questionKey(guardianOf('child-1', 'child-1'))).toBe(questionKey(guardianOf('child-2', 'child-2')));
    expect(questionKey(guardianOf('child-2', 'child-1'))).not.toBe(questionKey(guardianOf('child-1', 'child-1')));
  });

  it('hands out decisions no caller can alter for the next one', async () => {
    const remembering = await createOpaWasmPolicyEngine();
    const c = cases.find((x) => x.input.action === 'referral.read' && x.expected.allow)!;
    const first = await remembering.decide(c.input);
    expect(() => first.fields.push('reason')).toThrow(TypeError);
    expect(() => {
      (first as { allow: boolean }).allow = false;
    }).toThrow(TypeError);
    expect(await remembering.decide(c.input)).toEqual(await everyTime.decide(c.input));
  });
});
