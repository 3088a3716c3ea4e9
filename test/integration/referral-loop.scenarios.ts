import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateAgencySigningKey, createAgencySigner } from '../../adapters/crypto/agency-keys.js';
import { createSignedEvent } from '../../adapters/messaging/signed-event.js';
import type { DeadLetter } from '../../adapters/messaging/verified-handler.js';
import { HUB_AGENCY_ID } from '../../core/development-seed.js';
import { EVENT_TYPES } from '../../core/messages/event-types.js';
import { TOPICS } from '../../core/messages/topics.js';
import type { Hub } from '../../gateway/create-hub.js';
import { errorCode, eventually, gql, subscribeSse, tokenFor } from '../support/hub-client.js';

/** What a scenario needs from the deployment under test (embedded, or Kafka + PostgreSQL). */
export interface LoopDeployment {
  hub: Hub;
  /** The hospital system's view of its connector's JSON API (embedded in the hub, or a separate connector). */
  hospitalConnector: (path: string, init?: RequestInit) => Promise<Response>;
  schoolConnector: (path: string, init?: RequestInit) => Promise<Response>;
  /** Counts rows, to prove that refused requests wrote nothing. */
  count: (table: 'referrals' | 'referral_timeline') => Promise<number>;
  stop(): Promise<void>;
}

export const SCHOOL = 'school-east';
export const OTHER_SCHOOL = 'school-west';
export const HOSPITAL = 'hospital-kangning';
export const POLICE = 'police-haishu';
export const STUDENT = 'subj-7k2m9q';
export const OTHER_SCHOOLS_STUDENT = 'subj-5h1n8v';

export const CREATE = `mutation Create($input: CreateReferralInput!) {
  createReferral(input: $input) { id state subjectId reason guardiansNotified school { id } hospital { id } timeline { state action actorAgency { id } } }
}`;
export const READ = `query Read($id: ID!) {
  referral(id: $id) { id state reason createdBy declineReason availableActions timeline { sequence state action actorAgency { id } actorUserId actorSystem at } }
}`;
const ACCEPT = `mutation Accept($id: ID!) { acceptReferral(id: $id) { id state } }`;
const DECLINE = `mutation Decline($id: ID!, $reason: String!) { declineReferral(id: $id, reason: $reason) { id state declineReason } }`;
const WATCH = `subscription Watch($id: ID!) { referralStatusChanged(id: $id) { id state } }`;

export async function sendReferral(hub: Hub, subjectId = STUDENT) {
  const token = await tokenFor(hub.keyRing, SCHOOL, 'psychology-teacher');
  const result = await gql<{ createReferral: { id: string; state: string } }>(hub.fetch, token, CREATE, {
    input: {
      subjectId,
      hospitalAgencyId: HOSPITAL,
      reason: 'Self-harm disclosed to psychology teacher; scale score above threshold.',
      guardiansNotified: true,
    },
  });
  expect(result.errors).toBeUndefined();
  return result.data!.createReferral;
}

async function offeredReferral(d: LoopDeployment, referralId: string) {
  return eventually(
    async () => {
      const body = (await (await d.hospitalConnector('/v1/inbox')).json()) as { items: Array<{ kind: string; payload: Record<string, unknown> }> };
      return body.items.find((i) => i.kind === 'referral-offered' && i.payload.referralId === referralId);
    },
    { what: 'the referral to reach the hospital system' },
  );
}

async function stateOf(hub: Hub, referralId: string) {
  const token = await tokenFor(hub.keyRing, SCHOOL, 'psychology-teacher');
  const result = await gql<{ referral: { state: string; timeline: Array<{ action: string }> } }>(hub.fetch, token, READ, { id: referralId });
  return result.data?.referral;
}

/** Collects the dead letters about one referral, read by a fresh consumer group. */
async function watchDeadLetters(hub: Hub, referralId: string) {
  const letters: DeadLetter[] = [];
  const subscription = await hub.bus.subscribe({
    groupId: `test-dlq-${randomUUID()}`,
    topics: [TOPICS.deadLetter],
    handler: async (m) => {
      const letter = JSON.parse(m.value) as DeadLetter;
      if (letter.originalKey === referralId) letters.push(letter);
    },
  });
  return { letters, close: () => subscription.close() };
}

/**
 * The walking-skeleton loop, written once and run against every deployment: school → hub → hospital → school.
 */
export function describeReferralLoop(name: string, deploy: () => Promise<LoopDeployment>) {
  describe(name, () => {
    let d: LoopDeployment;
    beforeAll(async () => {
      d = await deploy();
    });
    afterAll(async () => {
      await d?.stop();
    });

    it('a referral travels from school to hospital system and its acceptance comes back to the school', async () => {
      const schoolToken = await tokenFor(d.hub.keyRing, SCHOOL, 'psychology-teacher');
      const sent = await sendReferral(d.hub);
      expect(sent.state).toBe('SENT');

      const watch = await subscribeSse(d.hub.fetch, schoolToken, WATCH, { id: sent.id });
      await eventually(async () => watch.events.length >= 1, { what: 'the subscription to start' });

      const offer = await offeredReferral(d, sent.id);
      expect(offer.payload).toMatchObject({ referringSchoolId: SCHOOL, patientPseudonym: STUDENT, guardiansNotified: true });

      const decision = await d.hospitalConnector(`/v1/referrals/${sent.id}/decision`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ decision: 'accept', decidedBy: 'dr-lin' }),
      });
      expect(decision.status).toBe(202);

      await eventually(
        async () => watch.events.some((e) => (e.data as { referralStatusChanged: { state: string } }).referralStatusChanged.state === 'ACCEPTED'),
        {
          what: 'the subscription to push ACCEPTED',
        },
      );
      await watch.close();

      const read = await gql<{ referral: { state: string; createdBy: string; timeline: Array<Record<string, unknown>> } }>(d.hub.fetch, schoolToken, READ, {
        id: sent.id,
      });
      expect(read.data?.referral.state).toBe('ACCEPTED');
      expect(read.data?.referral.timeline.map((t) => [t.state, t.action, (t.actorAgency as { id: string }).id])).toEqual([
        ['SENT', 'SEND', SCHOOL],
        ['ACCEPTED', 'ACCEPT', HOSPITAL],
      ]);
      expect(read.data?.referral.timeline[1]?.actorUserId).toBe('dr-lin');
      // The person the hospital's system named, and the credential that system proved to its connector.
      expect(read.data?.referral.timeline[1]?.actorSystem).toMatch(/^api-key:[0-9a-f]{8}$/);

      const schoolInbox = await eventually(
        async () => {
          const body = (await (await d.schoolConnector('/v1/inbox')).json()) as { items: Array<{ payload: Record<string, unknown> }> };
          return body.items.find((i) => i.payload.referralId === sent.id && i.payload.state === 'ACCEPTED');
        },
        { what: "the status change to reach the school's system" },
      );
      expect(schoolInbox.payload.previousState).toBe('SENT');
    });

    it('hospital staff working in the hub accept a referral directly', async () => {
      const sent = await sendReferral(d.hub);
      const liaison = await tokenFor(d.hub.keyRing, HOSPITAL, 'hospital-liaison');
      const accepted = await gql<{ acceptReferral: { state: string } }>(d.hub.fetch, liaison, ACCEPT, { id: sent.id });
      expect(accepted.errors).toBeUndefined();
      expect(accepted.data?.acceptReferral.state).toBe('ACCEPTED');
      expect((await stateOf(d.hub, sent.id))?.state).toBe('ACCEPTED');
    });

    it('a hospital declines with a reason the school can read, through its system', async () => {
      const sent = await sendReferral(d.hub);
      await offeredReferral(d, sent.id);
      const response = await d.hospitalConnector(`/v1/referrals/${sent.id}/decision`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ decision: 'decline', reason: 'No adolescent bed this week; refer to the municipal centre.', decidedBy: 'dr-lin' }),
      });
      expect(response.status).toBe(202);
      await eventually(async () => (await stateOf(d.hub, sent.id))?.state === 'DECLINED', { what: 'DECLINED' });
      const token = await tokenFor(d.hub.keyRing, SCHOOL, 'psychology-teacher');
      const read = await gql<{ referral: { declineReason: string } }>(d.hub.fetch, token, READ, { id: sent.id });
      expect(read.data?.referral.declineReason).toContain('No adolescent bed');
    });

    it('a hospital connector refuses a decline without a reason and sends nothing', async () => {
      const sent = await sendReferral(d.hub);
      const response = await d.hospitalConnector(`/v1/referrals/${sent.id}/decision`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ decision: 'decline', decidedBy: 'dr-lin' }),
      });
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('BAD_USER_INPUT');
      expect((await stateOf(d.hub, sent.id))?.state).toBe('SENT');
    });

    it('another school, the police and a stranger cannot learn that the referral exists', async () => {
      const sent = await sendReferral(d.hub);
      const otherSchool = await gql(d.hub.fetch, await tokenFor(d.hub.keyRing, OTHER_SCHOOL, 'psychology-teacher'), READ, { id: sent.id });
      expect(errorCode(otherSchool)).toBe('NOT_FOUND');
      expect(otherSchool.data).toBeNull();
      const police = await gql(d.hub.fetch, await tokenFor(d.hub.keyRing, POLICE, 'police-analyst'), READ, { id: sent.id });
      expect(errorCode(police)).toBe('NOT_FOUND');
      expect(police.data).toBeNull();
      // Indistinguishable from a referral that does not exist at all.
      const missing = await gql(d.hub.fetch, await tokenFor(d.hub.keyRing, OTHER_SCHOOL, 'psychology-teacher'), READ, { id: randomUUID() });
      expect(missing.errors?.[0]?.message).toBe(otherSchool.errors?.[0]?.message);
      expect(missing.errors?.[0]?.extensions).toEqual(otherSchool.errors?.[0]?.extensions);
      const stranger = await gql(d.hub.fetch, null, READ, { id: sent.id });
      expect(errorCode(stranger)).toBe('UNAUTHENTICATED');
      expect(stranger.status).toBe(401);
      expect(stranger.data ?? null).toBeNull();
    });

    it('a referral for an unknown student or another school’s student answers byte for byte the same and writes nothing', async () => {
      const token = await tokenFor(d.hub.keyRing, SCHOOL, 'psychology-teacher');
      const before = await d.count('referrals');
      const bodies: string[] = [];
      for (const subjectId of ['subj-does-not-exist', OTHER_SCHOOLS_STUDENT]) {
        const result = await gql(d.hub.fetch, token, CREATE, { input: { subjectId, hospitalAgencyId: HOSPITAL, reason: 'x', guardiansNotified: true } });
        expect(errorCode(result)).toBe('NOT_FOUND');
        expect(result.data).toBeNull();
        bodies.push(JSON.stringify(result));
      }
      expect(bodies[0]).toBe(bodies[1]);
      expect(bodies[0]).toContain('No such subject.');
      expect(await d.count('referrals')).toBe(before);
    });

    it('a referral to an unknown agency answers exactly like one to an agency that is no hospital', async () => {
      const token = await tokenFor(d.hub.keyRing, SCHOOL, 'psychology-teacher');
      const bodies: string[] = [];
      for (const hospitalAgencyId of ['hospital-does-not-exist', POLICE]) {
        const result = await gql(d.hub.fetch, token, CREATE, { input: { subjectId: STUDENT, hospitalAgencyId, reason: 'x', guardiansNotified: true } });
        expect(errorCode(result)).toBe('FORBIDDEN');
        bodies.push(JSON.stringify(result));
      }
      expect(bodies[0]).toBe(bodies[1]);
    });

    it('deciding on another hospital’s referral answers exactly like deciding on one that does not exist', async () => {
      const sent = await sendReferral(d.hub);
      const stranger = await tokenFor(d.hub.keyRing, OTHER_SCHOOL, 'psychology-teacher');
      const hidden = await gql(d.hub.fetch, stranger, 'mutation($id: ID!) { withdrawReferral(id: $id) { id } }', { id: sent.id });
      const missing = await gql(d.hub.fetch, stranger, 'mutation($id: ID!) { withdrawReferral(id: $id) { id } }', { id: randomUUID() });
      expect(errorCode(hidden)).toBe('NOT_FOUND');
      expect(JSON.stringify(hidden)).toBe(JSON.stringify(missing));
    });

    it('accepting a referral twice is INVALID_TRANSITION and leaves its timeline as it was', async () => {
      const sent = await sendReferral(d.hub);
      const liaison = await tokenFor(d.hub.keyRing, HOSPITAL, 'hospital-liaison');
      await gql(d.hub.fetch, liaison, ACCEPT, { id: sent.id });
      const timelineBefore = await d.count('referral_timeline');
      const again = await gql(d.hub.fetch, liaison, ACCEPT, { id: sent.id });
      expect(errorCode(again)).toBe('INVALID_TRANSITION');
      expect(await d.count('referral_timeline')).toBe(timelineBefore);
    });

    it('a school cannot accept its own referral: FORBIDDEN, and nothing changes', async () => {
      const sent = await sendReferral(d.hub);
      const teacher = await tokenFor(d.hub.keyRing, SCHOOL, 'psychology-teacher');
      const result = await gql(d.hub.fetch, teacher, ACCEPT, { id: sent.id });
      expect(errorCode(result)).toBe('FORBIDDEN');
      expect((await stateOf(d.hub, sent.id))?.state).toBe('SENT');
      const decline = await gql(d.hub.fetch, teacher, DECLINE, { id: sent.id, reason: 'x' });
      expect(errorCode(decline)).toBe('FORBIDDEN');
    });

    it('a malformed GraphQL call gets GRAPHQL_PARSE_FAILED and writes nothing', async () => {
      const token = await tokenFor(d.hub.keyRing, SCHOOL, 'psychology-teacher');
      const before = await d.count('referrals');
      const result = await gql(d.hub.fetch, token, 'mutation { createReferral(input: { subjectId: ');
      expect(errorCode(result)).toBe('GRAPHQL_PARSE_FAILED');
      const invalid = await gql(d.hub.fetch, token, '{ referral(id: "x") { noSuchField } }');
      expect(errorCode(invalid)).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(await d.count('referrals')).toBe(before);
    });

    it('an expired token is UNAUTHENTICATED and writes nothing', async () => {
      const before = await d.count('referrals');
      const expired = await tokenFor(d.hub.keyRing, SCHOOL, 'psychology-teacher', { ttlSeconds: -3600 });
      const result = await gql(d.hub.fetch, expired, CREATE, {
        input: { subjectId: STUDENT, hospitalAgencyId: HOSPITAL, reason: 'x', guardiansNotified: true },
      });
      expect(errorCode(result)).toBe('UNAUTHENTICATED');
      expect(result.status).toBe(401);
      expect(await d.count('referrals')).toBe(before);
    });

    it('a referral before the guardians were notified is FORBIDDEN, says why, and writes nothing', async () => {
      const token = await tokenFor(d.hub.keyRing, SCHOOL, 'psychology-teacher');
      const before = await d.count('referrals');
      const result = await gql(d.hub.fetch, token, CREATE, {
        input: { subjectId: STUDENT, hospitalAgencyId: HOSPITAL, reason: 'x', guardiansNotified: false },
      });
      expect(errorCode(result)).toBe('FORBIDDEN');
      expect(result.errors?.[0]?.extensions?.reasons).toEqual(['guardians must be notified in writing before a referral']);
      expect(await d.count('referrals')).toBe(before);
    });

    it('every disclosure and every refusal of a referral is audited, by field name only', async () => {
      const sent = await sendReferral(d.hub);
      await gql(d.hub.fetch, await tokenFor(d.hub.keyRing, SCHOOL, 'psychology-teacher'), READ, { id: sent.id });
      await gql(d.hub.fetch, await tokenFor(d.hub.keyRing, POLICE, 'police-analyst'), READ, { id: sent.id });
      const rows = await d.hub.sql.query<{ principal_agency_id: string; action: string; allowed: boolean; fields: string[]; reasons: string[] }>(
        "SELECT principal_agency_id, action, allowed, fields, reasons FROM audit_log WHERE resource_type = 'referral' AND resource_id = $1 ORDER BY id",
        [sent.id],
      );
      const police = rows.find((r) => r.principal_agency_id === POLICE);
      expect(police).toMatchObject({ action: 'referral.read', allowed: false, fields: [] });
      const school = rows.find((r) => r.principal_agency_id === SCHOOL && r.action === 'referral.read');
      expect(school?.allowed).toBe(true);
      expect(school?.fields).toContain('reason');
      // The hospital's system was told about the referral; that disclosure is audited too, without createdBy.
      const toHospital = rows.find((r) => r.principal_agency_id === HOSPITAL && r.action === 'referral.read');
      expect(toHospital?.fields).not.toContain('createdBy');
      expect(JSON.stringify(rows)).not.toContain('Self-harm');
    });

    it('the hospital does not see which school user sent the referral', async () => {
      const sent = await sendReferral(d.hub);
      const liaison = await tokenFor(d.hub.keyRing, HOSPITAL, 'hospital-liaison');
      const read = await gql<{ referral: { reason: string; createdBy: string | null } }>(d.hub.fetch, liaison, READ, { id: sent.id });
      expect(read.data?.referral.reason).toContain('Self-harm');
      expect(read.data?.referral.createdBy).toBeNull();
    });

    it('a school lists only its own students, and the police cannot list any', async () => {
      const east = await gql<{ students: Array<{ id: string }> }>(
        d.hub.fetch,
        await tokenFor(d.hub.keyRing, SCHOOL, 'psychology-teacher'),
        '{ students { id grade localRef } }',
      );
      expect(east.data?.students.map((s) => s.id)).toContain(STUDENT);
      expect(east.data?.students.map((s) => s.id)).not.toContain(OTHER_SCHOOLS_STUDENT);
      const police = await gql(d.hub.fetch, await tokenFor(d.hub.keyRing, POLICE, 'police-analyst'), '{ students { id } }');
      expect(errorCode(police)).toBe('FORBIDDEN');
    });

    it('each school and the hospital list the referrals that involve them, and no others', async () => {
      const sent = await sendReferral(d.hub);
      const list = async (agency: string, role: string) =>
        (
          await gql<{ referrals: Array<{ id: string }> }>(d.hub.fetch, await tokenFor(d.hub.keyRing, agency, role), '{ referrals { id state } }')
        ).data?.referrals.map((r) => r.id);
      expect(await list(SCHOOL, 'psychology-teacher')).toContain(sent.id);
      expect(await list(HOSPITAL, 'clinician')).toContain(sent.id);
      expect(await list(OTHER_SCHOOL, 'psychology-teacher')).not.toContain(sent.id);
    });

    it('a school withdraws its referral and the hospital system is told', async () => {
      const sent = await sendReferral(d.hub);
      const token = await tokenFor(d.hub.keyRing, SCHOOL, 'crisis-team');
      const result = await gql<{ withdrawReferral: { state: string } }>(
        d.hub.fetch,
        token,
        'mutation($id: ID!) { withdrawReferral(id: $id, reason: "Family moved to another city") { state } }',
        { id: sent.id },
      );
      expect(result.data?.withdrawReferral.state).toBe('WITHDRAWN');
      await eventually(
        async () => {
          const body = (await (await d.hospitalConnector('/v1/inbox')).json()) as { items: Array<{ kind: string; payload: Record<string, unknown> }> };
          return body.items.find((i) => i.kind === 'referral-status-changed' && i.payload.referralId === sent.id && i.payload.state === 'WITHDRAWN');
        },
        { what: 'the withdrawal to reach the hospital system' },
      );
    });

    it('forged, wrong-agency and re-labelled decision events are dead-lettered with their reason and change nothing', async () => {
      const sent = await sendReferral(d.hub);
      const dlq = await watchDeadLetters(d.hub, sent.id);
      const data = { referralId: sent.id, decision: 'ACCEPT', decidedBy: 'mallory', decidedVia: 'api-key:00000000', decidedAt: new Date().toISOString() };
      const time = new Date();

      // Forged: a key nobody registered, presented under the hospital's name and kid.
      const hospitalKid = d.hub.keyRing.directory().find((a) => a.id === HOSPITAL)!.publicKeys.keys[0]!.kid as string;
      const rogueKey = { ...(await generateAgencySigningKey(HOSPITAL)), kid: hospitalKid };
      const forged = await createSignedEvent({
        signer: await createAgencySigner(HOSPITAL, rogueKey),
        type: EVENT_TYPES.referralDecision,
        subject: sent.id,
        recipient: HUB_AGENCY_ID,
        data,
        time,
      });
      // Wrong agency: a school's genuine key, claiming to be the hospital.
      const schoolSigner = await d.hub.keyRing.signer(SCHOOL);
      const wrongAgency = await createSignedEvent({
        signer: { agencyId: HOSPITAL, sign: (p) => schoolSigner.sign(p) },
        type: EVENT_TYPES.referralDecision,
        subject: sent.id,
        recipient: HUB_AGENCY_ID,
        data,
        time,
      });
      // Re-labelled: a genuine hospital event whose envelope was edited after signing.
      const genuine = await createSignedEvent({
        signer: await d.hub.keyRing.signer(HOSPITAL),
        type: EVENT_TYPES.referralDecision,
        subject: sent.id,
        recipient: HUB_AGENCY_ID,
        data,
        time,
      });
      const relabelled = { ...genuine, value: JSON.stringify({ ...JSON.parse(genuine.value), subject: randomUUID() }) };
      // Not even JSON.
      const garbage = { key: sent.id, value: '{not json' };

      await d.hub.bus.publish(TOPICS.hubInbound, [forged, wrongAgency, relabelled, garbage]);
      const letters = await eventually(async () => (dlq.letters.length >= 4 ? dlq.letters : null), { what: 'four dead letters' });
      await dlq.close();
      expect(letters.map((l) => l.reason)).toEqual(['INVALID_SIGNATURE', 'WRONG_SIGNER', 'INVALID_SIGNATURE', 'MALFORMED_EVENT']);
      expect(letters[0]?.originalValue).toBe(forged.value);
      expect(letters.every((l) => l.consumer === 'hub.ledger-projector' && l.originalTopic === TOPICS.hubInbound)).toBe(true);
      expect((await stateOf(d.hub, sent.id))?.state).toBe('SENT');
    });

    it('a redelivered decision event is applied once', async () => {
      const sent = await sendReferral(d.hub);
      const event = await createSignedEvent({
        signer: await d.hub.keyRing.signer(HOSPITAL),
        type: EVENT_TYPES.referralDecision,
        subject: sent.id,
        recipient: HUB_AGENCY_ID,
        data: { referralId: sent.id, decision: 'ACCEPT', decidedBy: 'dr-lin', decidedVia: 'api-key:00000000', decidedAt: new Date().toISOString() },
        time: new Date(),
      });
      const dlq = await watchDeadLetters(d.hub, sent.id);
      await d.hub.bus.publish(TOPICS.hubInbound, [event, event]);
      await eventually(async () => (await stateOf(d.hub, sent.id))?.state === 'ACCEPTED', { what: 'ACCEPTED' });
      // A marker after the duplicate: once it is dead-lettered, the duplicate before it has been handled too.
      await d.hub.bus.publish(TOPICS.hubInbound, [{ key: sent.id, value: 'marker' }]);
      await eventually(async () => dlq.letters.some((l) => l.originalValue === 'marker'), { what: 'the marker' });
      await dlq.close();
      expect(dlq.letters.filter((l) => l.originalValue !== 'marker')).toEqual([]);
      expect((await stateOf(d.hub, sent.id))?.timeline.map((t) => t.action)).toEqual(['SEND', 'ACCEPT']);
    });
  });
}
