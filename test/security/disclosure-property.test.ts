import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOpaWasmPolicyEngine } from '../../adapters/policy/opa-wasm-policy-engine.js';
import { ROLES_BY_AGENCY_TYPE } from '../../core/identity.js';
import type { AgencyType, PolicyEngine, Principal } from '../../core/ports/policy-engine.js';
import { referralResource } from '../../core/referral/referral-resource.js';
import type { Referral } from '../../core/referral/referral.js';
import { SEED_AGENCIES } from '../../core/development-seed.js';
import { gql, tokenFor } from '../support/hub-client.js';
import { createTestHub } from '../support/test-hub.js';

type TestHub = Awaited<ReturnType<typeof createTestHub>>;

/**
 * For random principals and random selections over every type the schema has, no value the policy withholds from
 * that principal appears anywhere in the response: not at the top, not in a nested object, not in a list item.
 * The referrals carry a canary in every text field, so a leak of any withheld field is a substring match.
 */
const REFERRAL_FIELDS = [
  'id',
  'state',
  'subjectId',
  'reason',
  'guardiansNotified',
  'createdBy',
  'createdAt',
  'updatedAt',
  'declineReason',
  'availableActions',
  'school { id name }',
  'hospital { id name }',
];
const TIMELINE_FIELDS = ['sequence', 'state', 'action', 'actorUserId', 'actorSystem', 'at', 'actorAgency { id name type }'];
const PROBLEM_FIELDS = ['reason', 'at', 'recipient { id }'];
const principals = SEED_AGENCIES.filter((a) => a.type !== 'hub').flatMap((a) =>
  ROLES_BY_AGENCY_TYPE[a.type as AgencyType].map((role) => ({ agencyId: a.id, agencyType: a.type as AgencyType, role })),
);

const selection = (fields: string[]) => fc.subarray(fields, { minLength: 1 });
const referralSelection = fc
  .record({ own: selection(REFERRAL_FIELDS), timeline: fc.option(selection(TIMELINE_FIELDS)), problems: fc.option(selection(PROBLEM_FIELDS)) })
  .map(({ own, timeline, problems }) =>
    [...own, ...(timeline ? [`timeline { ${timeline.join(' ')} }`] : []), ...(problems ? [`deliveryProblems { ${problems.join(' ')} }`] : [])].join(' '),
  );

/** Every string value of a record, nested ones included, except those the decision allowed. */
function withheldValues(record: Referral, fields: string[]): string[] {
  const allowed = new Set(fields);
  const out: string[] = [];
  for (const [key, value] of Object.entries(record)) {
    if (key === 'timeline') {
      for (const entry of value as Referral['timeline']) {
        for (const [k, v] of Object.entries(entry)) if (typeof v === 'string' && !allowed.has('timeline') && !allowed.has(`timeline.${k}`)) out.push(v);
      }
    } else if (typeof value === 'string' && !allowed.has(key)) out.push(value);
  }
  // Ids, states and agency ids are shared vocabulary (a state name is no secret); canaries are what must not leak.
  return out.filter((v) => v.includes('CANARY'));
}

describe('disclosure, as a property', () => {
  let t: TestHub;
  let policy: PolicyEngine;
  let referralIds: string[];
  beforeAll(async () => {
    t = await createTestHub();
    policy = await createOpaWasmPolicyEngine();
    const sender = await tokenFor(t.hub.keyRing, 'school-east', 'psychology-teacher', { userId: 'CANARY-teacher-user-7' });
    const liaison = await tokenFor(t.hub.keyRing, 'hospital-kangning', 'hospital-liaison', { userId: 'CANARY-dr-lin' });
    const create = 'mutation($i: CreateReferralInput!) { createReferral(input: $i) { id } }';
    const ids: string[] = [];
    for (const [i, subjectId] of ['subj-7k2m9q', 'subj-3x8w1p'].entries()) {
      const r = await gql<{ createReferral: { id: string } }>(t.hub.fetch, sender, create, {
        i: { subjectId, hospitalAgencyId: 'hospital-kangning', reason: `CANARY-reason-${i} PHQ-9 24`, guardiansNotified: true },
      });
      ids.push(r.data!.createReferral.id);
    }
    await gql(t.hub.fetch, liaison, 'mutation($id: ID!) { declineReferral(id: $id, reason: "CANARY-decline no bed") { id } }', { id: ids[0] });
    referralIds = ids;
  });
  afterAll(() => t.hub.stop());

  it('no value the policy withholds from a principal appears anywhere in what it is shown', async () => {
    const directory = t.hub.keyRing.directory();
    const lookups = {
      directory: { find: async (id: string) => directory.find((a) => a.id === id) ?? null, list: async () => directory },
      store: { findSubject: async (id: string) => ({ id, schoolAgencyId: 'school-east', grade: 7, localRef: 'x' }) },
    };
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...principals),
        fc.constantFrom('one', 'list'),
        referralSelection,
        fc.constantFrom(0, 1),
        async (who, shape, fields, index) => {
          const principal: Principal = { ...who, userId: 'prop-user' };
          const token = await tokenFor(t.hub.keyRing, who.agencyId, who.role, { userId: 'prop-user' });
          const query = shape === 'one' ? `query($id: ID!) { referral(id: $id) { ${fields} } }` : `{ referrals { ${fields} } }`;
          const response = JSON.stringify(await gql(t.hub.fetch, token, query, shape === 'one' ? { id: referralIds[index] } : undefined));
          // What the policy says this principal may see of each referral, with every canary it holds back.
          for (const id of referralIds) {
            const full = await fullReferral(id);
            const decision = await policy.decide({
              principal,
              action: 'referral.read',
              resource: await referralResource(full, lookups),
              purpose: 'referral',
              consents: [],
              relationships: [],
            });
            for (const value of withheldValues(full, decision.allow ? decision.fields : []))
              expect(response, `${who.agencyId}/${who.role} saw ${value}`).not.toContain(value);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  /** The whole record, timeline included, as the owning school's psychology teacher (who may see every field) reads it. */
  async function fullReferral(id: string): Promise<Referral> {
    const owner = await tokenFor(t.hub.keyRing, 'school-east', 'psychology-teacher');
    const read = await gql<{
      referral: Record<string, unknown> & { timeline: Array<Record<string, unknown>>; school: { id: string }; hospital: { id: string } };
    }>(
      t.hub.fetch,
      owner,
      'query($id: ID!) { referral(id: $id) { id state subjectId reason guardiansNotified createdBy declineReason school { id } hospital { id } timeline { sequence state action actorUserId actorSystem actorAgency { id } } } }',
      { id },
    );
    const r = read.data!.referral;
    return {
      ...(r as object),
      schoolAgencyId: r.school.id,
      hospitalAgencyId: r.hospital.id,
      timeline: r.timeline.map((e) => ({ ...e, actorAgencyId: (e.actorAgency as { id: string }).id, actorAgency: undefined })),
      deliveryProblems: [],
    } as unknown as Referral;
  }
});
