import { readdir, readFile, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSignedEvent } from '../../adapters/messaging/signed-event.js';
import { createManualClock } from '../../core/clock.js';
import { HUB_AGENCY_ID } from '../../core/development-seed.js';
import { REFERRAL_EVENT_TYPES } from '../../core/referral/referral-events.js';
import { referralInput } from '../support/referral-fixtures.js';
import { agencyTopic } from '../../core/messages/topics.js';
import { errorCode, eventually, gql, tokenFor } from '../support/hub-client.js';
import { createTestHub } from '../support/test-hub.js';

const SCHOOL = 'school-east';
const HOSPITAL = 'hospital-kangning';
const CANARY = 'CANARY7Q-suicidal-ideation-PHQ9-24';
const CREATE = 'mutation($i: CreateReferralInput!) { createReferral(input: $i) { id } }';

/** What `text` looks like inside base64url at each of the three byte alignments (whole characters only). */
function base64urlForms(text: string): string[] {
  return [0, 1, 2].map((shift) => {
    const encoded = Buffer.from(`${'x'.repeat(shift)}${text}`).toString('base64url');
    return encoded.slice(Math.ceil((shift * 4) / 3) + 1, -4);
  });
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(path)));
    else out.push(path);
  }
  return out;
}

describe('nothing sensitive in logs', () => {
  it('drives every error path with canaries and no log line repeats one', async () => {
    const t = await createTestHub({ development: false, seed: true });
    try {
      const teacher = await tokenFor(t.hub.keyRing, SCHOOL, 'psychology-teacher');
      const input = (over: Record<string, unknown>) => ({
        i: { ...referralInput({ reason: `${CANARY} a` }), ...over },
      });
      const calls: Array<Promise<unknown>> = [
        gql(t.hub.fetch, teacher, CREATE, input({ channel: CANARY })), // wrong variable type
        gql(t.hub.fetch, teacher, CREATE, input({ reason: `${CANARY}\u0000` })), // NUL
        gql(t.hub.fetch, teacher, CREATE, input({ reason: `${CANARY}\ud800` })), // lone surrogate
        gql(t.hub.fetch, teacher, CREATE, input({ subjectId: `${CANARY}` })), // unknown child
        gql(t.hub.fetch, teacher, CREATE, input({ hospitalAgencyId: CANARY.toLowerCase() })), // unknown hospital
        gql(t.hub.fetch, teacher, CREATE, input({ hospitalAgencyId: 'police-haishu' })), // policy refusal
        gql(t.hub.fetch, teacher, `{ referral(id: "${CANARY}") { id } }`), // missing referral, literal argument
        gql(t.hub.fetch, teacher, `mutation { createReferral(input: { subjectId: "${CANARY}" `), // parse error
        gql(t.hub.fetch, teacher, `{ ${CANARY}: referrals { id } }`), // alias named with a canary
        gql(t.hub.fetch, teacher, `query ${CANARY.replaceAll('-', '_')} { me { userId } }`), // operation name
        gql(t.hub.fetch, `${CANARY}.${CANARY}.${CANARY}`, '{ me { userId } }'), // garbage token
        gql(t.hub.fetch, teacher, `{ referal${CANARY.replaceAll('-', '_')} { id } }`), // field guess
      ];
      for (const call of calls) await call;
      await t.hub.fetch(
        new Request('http://hub/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${teacher}`, 'x-correlation-id': CANARY },
          body: '{"query":"{ me { userId } }"}',
        }),
      );
      const connectorCalls = [
        t.connector(HOSPITAL, '/v1/inbox', {}, `clk_${CANARY}`),
        t.connector(HOSPITAL, '/fhir/r4/Task', {
          method: 'POST',
          headers: { 'content-type': 'application/fhir+json' },
          body: JSON.stringify({
            resourceType: 'Task',
            status: 'rejected',
            intent: 'order',
            statusReason: { text: `${CANARY}\u0000` },
            focus: { reference: 'ServiceRequest/x' },
          }),
        }),
        t.connector(HOSPITAL, `/fhir/r4/Task/${CANARY}`, {
          method: 'PUT',
          headers: { 'content-type': 'application/fhir+json' },
          body: `{"resourceType":"${CANARY}"`,
        }),
        t.connector(HOSPITAL, '/fhir/r4/Encounter', {
          method: 'POST',
          headers: { 'content-type': 'application/fhir+json' },
          body: JSON.stringify({ resourceType: 'Encounter', status: CANARY, class: { code: 'AMB' } }),
        }),
        t.connector(HOSPITAL, '/v1/inbox/ack', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ids: CANARY }) }),
      ];
      for (const call of connectorCalls) expect((await call).status).toBeGreaterThanOrEqual(400);
      // A forged event carrying a canary, dead-lettered by the hospital connector.
      const forged = await createSignedEvent({
        signer: await t.hub.keyRing.signer(SCHOOL),
        type: REFERRAL_EVENT_TYPES.sent,
        subject: 'r-canary',
        recipient: HOSPITAL,
        data: {
          referralId: 'r-canary',
          code: 'GC-AAAA-BBBB',
          channel: 'OUTPATIENT',
          schoolAgencyId: SCHOOL,
          hospitalAgencyId: HOSPITAL,
          reason: CANARY,
          sentAt: new Date().toISOString(),
        },
        time: new Date(),
      });
      await t.hub.bus.publish(agencyTopic(HOSPITAL), [forged]);
      await eventually(async () => t.logs().includes('message dead-lettered'), { what: 'the dead letter' });
      expect(t.logs().length).toBeGreaterThan(1000);
      expect(t.logs()).not.toContain(CANARY);
      expect(t.logs().toLowerCase()).not.toContain(CANARY.toLowerCase());
      expect(t.logs()).not.toContain(CANARY.replaceAll('-', '_'));
    } finally {
      await t.hub.stop();
    }
  });
});

describe('nothing sensitive in clear at rest', () => {
  it('keeps reasons, decline reasons and events sealed in the PGlite directory', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'careloop-at-rest-'));
    try {
      const t = await createTestHub({ dataDir, keysDir: join(dataDir, 'keys') });
      const teacher = await tokenFor(t.hub.keyRing, SCHOOL, 'psychology-teacher');
      const created = await gql<{ createReferral: { id: string } }>(t.hub.fetch, teacher, CREATE, {
        i: referralInput({ reason: `${CANARY} reason`, canary: CANARY }),
      });
      const id = created.data!.createReferral.id;
      await eventually(
        async () => {
          const response = await t.connector(HOSPITAL, `/fhir/r4/ServiceRequest/${id}`);
          return response.status === 200 && (await response.text()).includes(CANARY);
        },
        { what: 'the ServiceRequest, readable through the connector' },
      );
      const liaison = await tokenFor(t.hub.keyRing, HOSPITAL, 'hospital-liaison');
      const declined = await gql(t.hub.fetch, liaison, 'mutation($id: ID!, $r: String!) { declineReferral(id: $id, reason: $r) { id } }', {
        id,
        r: `${CANARY} no bed`,
      });
      expect(declined.errors).toBeUndefined();
      await eventually(
        async () => {
          const inbox = (await (await t.connector(SCHOOL, '/v1/inbox')).json()) as { items: Array<{ payload: { referralId: string } }> };
          return inbox.items.some((i) => i.payload.referralId === id);
        },
        { what: 'the status change at the school' },
      );
      const read = await gql<{ referral: { reason: string; declineReason: string; assessment: { interviewSummary: string } } }>(
        t.hub.fetch,
        teacher,
        'query($id: ID!) { referral(id: $id) { reason declineReason assessment { interviewSummary } } }',
        { id },
      );
      expect(read.data?.referral).toMatchObject({ reason: `${CANARY} reason`, declineReason: `${CANARY} no bed` });
      expect(read.data?.referral.assessment.interviewSummary).toContain(CANARY);
      await t.hub.stop();

      const files = await filesUnder(join(dataDir, 'pglite'));
      let scanned = 0;
      for (const file of files) {
        if ((await stat(file)).size === 0) continue;
        const bytes = await readFile(file);
        scanned += bytes.length;
        expect(bytes.includes(Buffer.from(CANARY)), file).toBe(false);
        // A stored event carries the reason inside a base64url JWS: look for the canary at every alignment too.
        for (const encoded of base64urlForms(CANARY)) expect(bytes.includes(Buffer.from(encoded)), `${file} (base64url)`).toBe(false);
      }
      expect(scanned).toBeGreaterThan(100_000);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('retention', () => {
  it('purges the bus log and acknowledged inbox items after their retention, and keeps what is still pending', async () => {
    const clock = createManualClock(new Date());
    const t = await createTestHub({ clock, busRetentionMs: 3600_000, inboxRetentionMs: 3600_000 });
    try {
      const teacher = await tokenFor(t.hub.keyRing, SCHOOL, 'psychology-teacher', { clock });
      const ids: string[] = [];
      for (const subjectId of ['subj-7k2m9q', 'subj-3x8w1p']) {
        const r = await gql<{ createReferral: { id: string } }>(t.hub.fetch, teacher, CREATE, {
          i: referralInput({ subjectId, reason: 'Sleepless, withdrawn.' }),
        });
        ids.push(r.data!.createReferral.id);
      }
      const liaison = await tokenFor(t.hub.keyRing, HOSPITAL, 'hospital-liaison', { clock });
      for (const id of ids) await gql(t.hub.fetch, liaison, 'mutation($id: ID!) { acceptReferral(id: $id) { id } }', { id });
      const inbox = await eventually(
        async () => {
          const body = (await (await t.connector(SCHOOL, '/v1/inbox')).json()) as { items: Array<{ id: string; payload: { referralId: string } }> };
          return body.items.filter((i) => ids.includes(i.payload.referralId)).length === 2 ? body.items : null;
        },
        { what: 'both status changes at the school' },
      );
      const first = inbox.find((i) => i.payload.referralId === ids[0])!;
      await t.connector(SCHOOL, '/v1/inbox/ack', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ids: [first.id] }),
      });
      const count = async (sql: string) => Number((await t.hub.sql.query<{ n: number }>(sql))[0]?.n);
      const busBefore = await count('SELECT count(*)::int AS n FROM bus_messages');
      expect(busBefore).toBeGreaterThan(0);

      expect(await t.hub.purgeExpired()).toMatchObject({ busMessages: 0, inboxItems: 0 });
      clock.advance(2 * 3600_000);
      const purged = await t.hub.purgeExpired();
      expect(purged.busMessages).toBeGreaterThan(0);
      expect(purged.inboxItems).toBe(1);
      const left = (await (await t.connector(SCHOOL, '/v1/inbox')).json()) as { items: Array<{ payload: { referralId: string } }> };
      expect(left.items.map((i) => i.payload.referralId)).toContain(ids[1]);
      expect(await count(`SELECT count(*)::int AS n FROM connector_inbox WHERE referral_id = '${ids[0]}'`)).toBe(0);
    } finally {
      await t.hub.stop();
    }
  });
});

describe('an outgoing event its recipient refuses', () => {
  it('shows on the referral and in the metric instead of vanishing', async () => {
    const t = await createTestHub();
    try {
      const teacher = await tokenFor(t.hub.keyRing, SCHOOL, 'psychology-teacher');
      const r = await gql<{ createReferral: { id: string } }>(t.hub.fetch, teacher, CREATE, {
        i: referralInput({ reason: 'Self-harm.' }),
      });
      const id = r.data!.createReferral.id;
      // An event about the referral that the hospital's connector will refuse: dated long ago.
      const stale = await createSignedEvent({
        signer: await t.hub.keyRing.signer(HUB_AGENCY_ID),
        type: REFERRAL_EVENT_TYPES.statusChanged,
        subject: id,
        recipient: HOSPITAL,
        data: {
          referralId: id,
          state: 'WITHDRAWN',
          previousState: 'SENT',
          action: 'WITHDRAW',
          changedAt: '2001-01-01T00:00:00.000Z',
          changedByAgencyId: SCHOOL,
        },
        time: new Date('2001-01-01T00:00:00Z'),
      });
      await t.hub.bus.publish(agencyTopic(HOSPITAL), [stale]);
      const shown = await eventually(
        async () => {
          const read = await gql<{ referral: { deliveryProblems: Array<{ reason: string; recipient: { id: string } }> } }>(
            t.hub.fetch,
            teacher,
            'query($id: ID!) { referral(id: $id) { deliveryProblems { reason recipient { id } at } } }',
            { id },
          );
          return read.data?.referral.deliveryProblems.length ? read.data.referral.deliveryProblems : null;
        },
        { what: 'the delivery problem on the referral' },
      );
      expect(shown).toMatchObject([{ reason: 'STALE_EVENT', recipient: { id: HOSPITAL } }]);
      expect(await t.hub.metrics.metrics()).toMatch(/careloop_undelivered_events_total\{reason="STALE_EVENT"\} 1/);
      // The hospital is not shown the school's delivery problems.
      const liaison = await tokenFor(t.hub.keyRing, HOSPITAL, 'hospital-liaison');
      const theirs = await gql<{ referral: { deliveryProblems: unknown } }>(
        t.hub.fetch,
        liaison,
        'query($id: ID!) { referral(id: $id) { deliveryProblems { reason } } }',
        { id },
      );
      expect(errorCode(theirs)).toBeUndefined();
      expect(theirs.data?.referral.deliveryProblems).toBeNull();
    } finally {
      await t.hub.stop();
    }
  });
});
