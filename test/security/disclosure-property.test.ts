import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOpaWasmPolicyEngine } from '../../adapters/policy/opa-wasm-policy-engine.js';
import { ROLES_BY_AGENCY_TYPE } from '../../core/identity.js';
import type { AgencyType, PolicyEngine, Principal } from '../../core/ports/policy-engine.js';
import { referralResource } from '../../core/referral/referral-resource.js';
import { SEED_AGENCIES } from '../../core/development-seed.js';
import { gql, tokenFor } from '../support/hub-client.js';
import { createTestHub } from '../support/test-hub.js';
import { referralInput } from '../support/referral-fixtures.js';
import { createEphemeralDataCipher, type DataCipher } from '../../adapters/crypto/data-cipher.js';
import { createSqlDirectoryStore } from '../../adapters/store/sql-directory-store.js';
import { createSqlReferralStore } from '../../adapters/store/sql-referral-store.js';
import { createSqlConsentStore } from '../../adapters/store/sql-consent-store.js';
import { CONSENT_CATEGORIES, CONSENT_PURPOSES, CONSENT_RECIPIENTS } from '../../core/consent/consent.js';

type TestHub = Awaited<ReturnType<typeof createTestHub>>;

/**
 * For random principals, random guardian consents (granted, amended to random scopes, or none) and random
 * selections over every type the schema has, no value the policy withholds from that principal appears anywhere in
 * the response: not at the top, not in a nested object, not in a list item. The principal's relationships and the
 * consents are the ones the hub looks up (a guardian linked to the treated child is among the principals).
 * The referrals carry a canary in every text field, so a leak of any withheld field is a substring match.
 */
const REFERRAL_FIELDS = [
  'id',
  'state',
  'code',
  'channel',
  'subjectId',
  'reason',
  'createdBy',
  'createdAt',
  'updatedAt',
  'declineReason',
  'withdrawReason',
  'overdue',
  'availableActions',
  'school { id name }',
  'hospital { id name }',
  'assessment { category scales { scale score } interviewSummary familyContact assessedBy }',
  'guardianNotice { givenAt channel givenBy acknowledgement }',
  'appointment { start location }',
  'treatmentUpdates { kind riskLevel guidance reportedBy clinical { medication diagnoses { code display } } }',
  'followUps { channel by outcome }',
  'leave { from recordedBy }',
  'returnReview { recordsReceived conditions guardianCommitment studentCommitment decidedBy }',
  'breaches { kind dueAt }',
  'letter { code text }',
];
const TIMELINE_FIELDS = ['sequence', 'state', 'action', 'actorUserId', 'actorSystem', 'at', 'actorAgency { id name type }'];
const PROBLEM_FIELDS = ['reason', 'at', 'recipient { id }'];
const principals = SEED_AGENCIES.filter((a) => a.type !== 'hub').flatMap((a) =>
  ROLES_BY_AGENCY_TYPE[a.type as AgencyType].map((role) => ({ agencyId: a.id, agencyType: a.type as AgencyType, role, districtId: a.districtId ?? null })),
);

const selection = (fields: string[]) => fc.subarray(fields, { minLength: 1 });
const referralSelection = fc
  .record({ own: selection(REFERRAL_FIELDS), timeline: fc.option(selection(TIMELINE_FIELDS)), problems: fc.option(selection(PROBLEM_FIELDS)) })
  .map(({ own, timeline, problems }) =>
    [...own, ...(timeline ? [`timeline { ${timeline.join(' ')} }`] : []), ...(problems ? [`deliveryProblems { ${problems.join(' ')} }`] : [])].join(' '),
  );

/** The canary strings of `record` (nested objects and lists included), split by whether `fields` disclose them. */
function canaries(record: unknown, fields: readonly string[]): { withheld: string[]; disclosed: string[] } {
  const strings: Array<{ path: string; value: string }> = [];
  const walk = (value: unknown, path: string) => {
    if (typeof value === 'string') strings.push({ path, value });
    else if (Array.isArray(value)) value.forEach((item) => walk(item, path));
    else if (value !== null && typeof value === 'object' && !(value instanceof Date))
      for (const [k, v] of Object.entries(value)) walk(v, path ? `${path}.${k}` : k);
  };
  walk(record, '');
  const marked = strings.filter((s) => s.value.includes('CANARY'));
  return {
    withheld: marked.filter((s) => !isDisclosed(s.path, fields)).map((s) => s.value),
    disclosed: marked.filter((s) => isDisclosed(s.path, fields)).map((s) => s.value),
  };
}

/** A path is disclosed when the decision names it or any of its ancestors. */
function isDisclosed(path: string, fields: readonly string[]): boolean {
  const parts = path.split('.');
  return parts.some((_, i) => fields.includes(parts.slice(0, i + 1).join('.')));
}

describe('disclosure, as a property', () => {
  let t: TestHub;
  let policy: PolicyEngine;
  let referralIds: string[];
  let cipher: DataCipher;
  beforeAll(async () => {
    cipher = createEphemeralDataCipher();
    t = await createTestHub({ cipher, deadlineCheckIntervalMs: 0 });
    policy = await createOpaWasmPolicyEngine();
    const sender = await tokenFor(t.hub.keyRing, 'school-east', 'psychology-teacher', { userId: 'CANARY-teacher-user-7' });
    const liaison = await tokenFor(t.hub.keyRing, 'hospital-kangning', 'hospital-liaison', { userId: 'CANARY-dr-lin' });
    const create = 'mutation($i: CreateReferralInput!) { createReferral(input: $i) { id } }';
    const ids: string[] = [];
    for (const [i, subjectId] of ['subj-7k2m9q', 'subj-3x8w1p'].entries()) {
      const r = await gql<{ createReferral: { id: string } }>(t.hub.fetch, sender, create, { i: referralInput({ subjectId, canary: `CANARY-${i}` }) });
      ids.push(r.data!.createReferral.id);
    }
    await gql(t.hub.fetch, liaison, 'mutation($id: ID!) { declineReferral(id: $id, reason: "CANARY-decline no bed") { id } }', { id: ids[0] });
    // The second one goes through treatment: clinical detail, guidance, follow-ups, leave and a return review.
    const steps = [
      [liaison, 'acceptReferral(id: $id)'],
      [liaison, 'scheduleAppointment(id: $id, appointment: { start: "2026-11-25T09:00:00Z", location: "CANARY-room" })'],
      [
        liaison,
        'recordAttendance(id: $id, update: { riskLevel: HIGH, guidance: "CANARY-guidance", clinical: { medication: "CANARY-med", diagnoses: [{ system: "icd-10", code: "CANARY-F32" }] } })',
      ],
      [liaison, 'startTreatment(id: $id)'],
      [sender, 'recordLeave(id: $id, from: "2026-11-26T00:00:00Z")'],
      [sender, 'recordFollowUp(id: $id, followUp: { at: "2026-11-27T10:00:00Z", channel: PHONE, outcome: "CANARY-follow-up" })'],
    ] as const;
    for (const [token, step] of steps) {
      const r = await gql(t.hub.fetch, token, `mutation($id: ID!) { ${step} { id } }`, { id: ids[1] });
      expect(r.errors).toBeUndefined();
    }
    referralIds = ids;
    // Every principal acts as user `prop-user`; at school-east that user is also the treated child's guardian.
    const linked = await gql(t.hub.fetch, sender, 'mutation { linkGuardian(subjectId: "subj-3x8w1p", guardianUserId: "prop-user") }');
    expect(linked.errors).toBeUndefined();
  });

  const scope = fc.option(
    fc.record({
      purposes: fc.subarray([...CONSENT_PURPOSES], { minLength: 1 }),
      categories: fc.subarray([...CONSENT_CATEGORIES], { minLength: 1 }),
      recipients: fc.subarray([...CONSENT_RECIPIENTS], { minLength: 1 }),
    }),
  );
  const asEnum = (values: readonly string[]) => values.map((v) => v.toUpperCase().replaceAll('-', '_'));
  afterAll(() => t.hub.stop());

  it('no value the policy withholds from a principal appears anywhere in what it is shown', async () => {
    const directory = createSqlDirectoryStore(t.hub.sql);
    const store = createSqlReferralStore(t.hub.sql, cipher);
    const people = createSqlConsentStore(t.hub.sql, cipher);
    let runsWithheld = 0;
    const recorder = await tokenFor(t.hub.keyRing, 'school-east', 'psychology-teacher', { userId: 'consent-clerk' });
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...principals),
        fc.constantFrom('one', 'list'),
        referralSelection,
        fc.constantFrom(0, 1),
        scope,
        async (who, shape, fields, index, consent) => {
          // The guardian's consents now: none, or one of a random scope (the earlier ones revoked).
          await t.hub.sql.query('UPDATE consents SET revoked_at = now() WHERE revoked_at IS NULL');
          if (consent) {
            const granted = await gql(t.hub.fetch, recorder, 'mutation($i: ConsentInput!) { grantConsent(input: $i) { id } }', {
              i: {
                subjectId: 'subj-3x8w1p',
                guardianUserId: 'prop-user',
                purposes: asEnum(consent.purposes),
                categories: asEnum(consent.categories),
                recipients: asEnum(consent.recipients),
                evidence: 'CANARY-consent-form',
              },
            });
            expect(granted.errors).toBeUndefined();
          }
          const principal: Principal = { ...who, userId: 'prop-user' };
          const token = await tokenFor(t.hub.keyRing, who.agencyId, who.role, { userId: 'prop-user' });
          const query = shape === 'one' ? `query($id: ID!) { referral(id: $id) { ${fields} } }` : `{ referrals(first: 100) { items { ${fields} } } }`;
          const response = JSON.stringify(await gql(t.hub.fetch, token, query, shape === 'one' ? { id: referralIds[index] } : undefined));
          expect(response).not.toContain('GRAPHQL_VALIDATION_FAILED');
          // What the policy says this principal may see of each referral, with every canary it holds back. The same
          // text may sit in two places (a decline reason is also its timeline note; a user id in two referrals): a
          // value disclosed through a field of a referral in the response is not a leak.
          const shown = shape === 'one' ? [referralIds[index]] : referralIds;
          const withheld = new Set<string>();
          const disclosed = new Set<string>();
          for (const id of referralIds) {
            const full = (await store.find(id))!;
            const context = (await people.contextOf(principal, [full.subjectId], new Date())).get(full.subjectId);
            const decision = await policy.decide({
              principal,
              action: 'referral.read',
              resource: await referralResource(full, directory),
              purpose: 'referral',
              consents: context?.consents ?? [],
              relationships: context?.relationships ?? [],
            });
            const split = canaries(full, decision.allow ? decision.fields : []);
            split.withheld.forEach((v) => withheld.add(v));
            if (shown.includes(id)) split.disclosed.forEach((v) => disclosed.add(v));
          }
          // With the guardian's consent to share clinical detail, the school may see every canary: not vacuous overall.
          if (withheld.size > 0) runsWithheld++;
          for (const value of withheld) if (!disclosed.has(value)) expect(response, `${who.agencyId}/${who.role} saw ${value}`).not.toContain(value);
        },
      ),
      { numRuns: 60 },
    );
    expect(runsWithheld).toBeGreaterThan(20);
  });
});
