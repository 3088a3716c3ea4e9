import { describe, expect, it } from 'vitest';
import { createManualClock } from '../clock.js';
import type { AuditEntry, AuditLog } from '../ports/audit-log.js';
import type { PolicyDecision, PolicyEngine, PolicyResource, Principal } from '../ports/policy-engine.js';
import { createPolicyGate } from './policy-gate.js';

const teacher: Principal = { agencyId: 'school-east', agencyType: 'school', role: 'psychology-teacher', userId: 'teacher-1' };
const system: Principal = { agencyId: 'hospital-kangning', agencyType: 'hospital', role: 'system', userId: 'ehr' };
/** What the decisions are about; the gate passes it through to the policy and names it in the audit. */
const referral: PolicyResource = { type: 'subject', subjectId: 'subj-1', schoolAgencyId: 'school-east' };

const allowed: PolicyDecision = { allow: true, conceal: false, fields: ['state'], reasons: [], basis: 'consent', obligations: [] };
const concealed: PolicyDecision = { allow: false, conceal: true, fields: [], reasons: ['not-related'], basis: '', obligations: [] };

/** A gate over a policy that refuses one action, and an audit log that keeps each write apart. */
function gateWith(refused: string | null = null) {
  const writes: AuditEntry[][] = [];
  const audit: AuditLog = { record: async (entries) => void writes.push([...entries]) };
  const policy: PolicyEngine = { decide: async (input) => (input.action === refused ? concealed : allowed) };
  return { gate: createPolicyGate({ policy, audit, clock: createManualClock(), correlationId: 'corr-1' }), writes };
}

describe('the policy gate', () => {
  it('audits each decision in a write of its own, before it answers', async () => {
    const { gate, writes } = gateWith();
    await gate.decide(teacher, 'referral.read', referral, 'ref-1');
    await gate.decide(system, 'referral.read', referral, 'ref-1');
    expect(writes.map((w) => w.map((e) => e.principalAgencyId))).toEqual([['school-east'], ['hospital-kangning']]);
  });

  it('audits the decisions of one step taken together in one write, in the order they were made', async () => {
    const { gate, writes } = gateWith();
    const shown = await gate.together(async (held) => {
      await held.require(teacher, 'referral.create', referral, 'ref-1');
      const view = await held.decide(system, 'referral.read', referral, 'ref-1');
      // Held, not yet written: the write comes when the step's decisions are all made.
      expect(writes).toHaveLength(0);
      return view.fields;
    });
    expect(shown).toEqual(['state']);
    expect(writes).toHaveLength(1);
    expect(writes[0]!.map((e) => [e.action, e.principalAgencyId, e.allowed, e.correlationId])).toEqual([
      ['referral.create', 'school-east', true, 'corr-1'],
      ['referral.read', 'hospital-kangning', true, 'corr-1'],
    ]);
  });

  it('audits a refusal taken together with what was decided before it, and then refuses', async () => {
    const { gate, writes } = gateWith('referral.read');
    const step = gate.together(async (held) => {
      await held.require(teacher, 'referral.create', referral, 'ref-1');
      await held.require(system, 'referral.read', referral, 'ref-1', { concealAs: 'referral' });
      throw new Error('never reached: the refusal throws');
    });
    await expect(step).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(writes).toHaveLength(1);
    expect(writes[0]!.map((e) => [e.action, e.allowed])).toEqual([
      ['referral.create', true],
      ['referral.read', false],
    ]);
  });

  it('audits what was decided even when the step fails for another reason after it', async () => {
    const { gate, writes } = gateWith();
    const step = gate.together(async (held) => {
      await held.decide(teacher, 'referral.create', referral, 'ref-1');
      throw new Error('the directory is away');
    });
    await expect(step).rejects.toThrow('the directory is away');
    expect(writes.flat().map((e) => e.action)).toEqual(['referral.create']);
  });

  it('writes nothing for a step that decided nothing', async () => {
    const { gate, writes } = gateWith();
    await gate.together(async () => null);
    expect(writes).toHaveLength(0);
  });
});
