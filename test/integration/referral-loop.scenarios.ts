import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateAgencySigningKey, createAgencySigner } from '../../adapters/crypto/agency-keys.js';
import { createSignedEvent } from '../../adapters/messaging/signed-event.js';
import type { DeadLetter } from '../../adapters/messaging/verified-handler.js';
import type { Clock } from '../../core/clock.js';
import { HUB_AGENCY_ID } from '../../core/development-seed.js';
import { TOPICS } from '../../core/messages/topics.js';
import { REFERRAL_EVENT_TYPES } from '../../core/referral/referral-events.js';
import type { Hub } from '../../gateway/create-hub.js';
import { errorCode, eventually, gql, subscribeSse, tokenFor, type GqlResult } from '../support/hub-client.js';
import { referralInput } from '../support/referral-fixtures.js';

/** What a scenario needs from the deployment under test (embedded, or Kafka + PostgreSQL). */
export interface LoopDeployment {
  hub: Hub;
  /** The hub's and the connectors' clock: scenarios run in simulated time. */
  clock: Clock & { advance(ms: number): void };
  /** The hospital system's view of its connector (FHIR R4 under /fhir/r4), embedded in the hub or separate. */
  hospitalConnector: (path: string, init?: RequestInit) => Promise<Response>;
  /** Another hospital's connector: the target of a transfer. */
  otherHospitalConnector: (path: string, init?: RequestInit) => Promise<Response>;
  /** The counselling centre's connector (FHIR R4, like a hospital's). */
  centreConnector: (path: string, init?: RequestInit) => Promise<Response>;
  schoolConnector: (path: string, init?: RequestInit) => Promise<Response>;
  /** Counts rows, to prove that refused requests wrote nothing. */
  count: (table: 'referrals' | 'referral_timeline') => Promise<number>;
  stop(): Promise<void>;
}

export const SCHOOL = 'school-east';
export const OTHER_SCHOOL = 'school-west';
export const HOSPITAL = 'hospital-kangning';
export const OTHER_HOSPITAL = 'hospital-seventh';
export const CENTRE = 'centre-haishu';
export const BUREAU = 'bureau-haishu';
export const OTHER_BUREAU = 'bureau-yinzhou';
export const POLICE = 'police-haishu';
export const STUDENT = 'subj-7k2m9q';
export const OTHER_SCHOOLS_STUDENT = 'subj-5h1n8v';
const DAY = 24 * 3600_000;

export const CREATE = `mutation Create($input: CreateReferralInput!) {
  createReferral(input: $input) { id state code channel subjectId reason school { id } hospital { id } timeline { state action actorAgency { id } } }
}`;
export const READ = `query Read($id: ID!) {
  referral(id: $id) {
    id state reason createdBy declineReason withdrawReason availableActions overdue code
    breaches { kind dueAt }
    appointment { start location }
    treatmentUpdates { kind riskLevel guidance clinical { medication } }
    followUps { channel outcome }
    leave { from }
    returnReview { recordsReceived decision guardianCommitment recoveryCertificate { title } }
    timeline { sequence state action actorAgency { id } actorUserId actorSystem at }
  }
}`;
const ACCEPT = `mutation Accept($id: ID!) { acceptReferral(id: $id) { id state } }`;
const DECLINE = `mutation Decline($id: ID!, $reason: String!) { declineReferral(id: $id, reason: $reason) { id state declineReason } }`;
const WATCH = `subscription Watch($id: ID!) { referralStatusChanged(id: $id) { id state } }`;

/** A student of the school no other test uses: a child has at most one open referral. */
export async function newStudent(hub: Hub, schoolAgencyId = SCHOOL): Promise<string> {
  const id = `subj-${randomUUID().slice(0, 8)}`;
  await hub.sql.query('INSERT INTO subjects (id, school_agency_id, grade, local_ref) VALUES ($1, $2, 8, $3)', [id, schoolAgencyId, `T-${id}`]);
  return id;
}

export async function sendReferral(
  hub: Hub,
  options: { subjectId?: string; clock?: Clock; hospitalAgencyId?: string; channel?: 'OUTPATIENT' | 'COUNSELLING' } = {},
) {
  const token = await tokenFor(hub.keyRing, SCHOOL, 'psychology-teacher', { clock: options.clock });
  const result = await gql<{ createReferral: { id: string; state: string; code: string } }>(hub.fetch, token, CREATE, {
    input: referralInput({
      subjectId: options.subjectId ?? (await newStudent(hub)),
      hospitalAgencyId: options.hospitalAgencyId,
      channel: options.channel,
    }),
  });
  expect(result.errors).toBeUndefined();
  return result.data!.createReferral;
}

/** The hospital EHR's FHIR calls, as `application/fhir+json`. */
function fhirOf(connector: LoopDeployment['hospitalConnector']) {
  return async (method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown) => {
    const response = await connector(`/fhir/r4${path}`, {
      method,
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> & { resourceType: string } };
  };
}

async function taskAtHospital(connector: LoopDeployment['hospitalConnector'], referralId: string, status?: string) {
  const fhir = fhirOf(connector);
  return eventually(
    async () => {
      const read = await fhir('GET', `/Task/${referralId}`);
      return read.status === 200 && (!status || read.body.status === status) ? read.body : null;
    },
    { what: `the Task at the hospital${status ? ` (${status})` : ''}` },
  );
}

async function stateOf(d: LoopDeployment, referralId: string) {
  const token = await tokenFor(d.hub.keyRing, SCHOOL, 'psychology-teacher', { clock: d.clock });
  const result = await gql<{ referral: Record<string, unknown> & { state: string; timeline: Array<{ action: string; state: string }> } }>(
    d.hub.fetch,
    token,
    READ,
    { id: referralId },
  );
  return result.data?.referral;
}

async function reaches(d: LoopDeployment, referralId: string, state: string) {
  return eventually(
    async () => {
      const r = await stateOf(d, referralId);
      return r?.state === state ? r : null;
    },
    { what: state },
  );
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
 * The referral loop, written once and run against every deployment: school → hub → hospital (FHIR R4) → school,
 * in simulated time.
 */
export function describeReferralLoop(name: string, deploy: () => Promise<LoopDeployment>) {
  describe(name, () => {
    let d: LoopDeployment;
    let fhir: ReturnType<typeof fhirOf>;
    const as = (agencyId: string, role: string, userId?: string) => tokenFor(d.hub.keyRing, agencyId, role, { clock: d.clock, userId });
    const mutate = async <T = Record<string, unknown>>(token: string, mutation: string, variables: Record<string, unknown>) => {
      const result = await gql<T>(d.hub.fetch, token, mutation, variables);
      expect(result.errors).toBeUndefined();
      return result.data!;
    };
    beforeAll(async () => {
      d = await deploy();
      fhir = fhirOf(d.hospitalConnector);
    });
    afterAll(async () => {
      await d?.stop();
    });

    it('the whole loop: FHIR Task to the hospital, no-show and re-engagement, treatment, leave, return review, closure', async () => {
      const teacher = await as(SCHOOL, 'psychology-teacher');
      const sent = await sendReferral(d.hub, { clock: d.clock });
      expect(sent).toMatchObject({ state: 'SENT', code: expect.stringMatching(/^GC-[0-9A-Z]{4}-[0-9A-Z]{4}$/) as string, channel: 'OUTPATIENT' });
      const watch = await subscribeSse(d.hub.fetch, teacher, WATCH, { id: sent.id });
      await eventually(async () => watch.events.length >= 1, { what: 'the subscription to start' });

      // The hospital EHR finds the new referral among its requested Tasks, and the ServiceRequest behind it.
      const task = await taskAtHospital(d.hospitalConnector, sent.id, 'requested');
      const search = await fhir('GET', `/Task?owner=${HOSPITAL}&status=requested`);
      expect(search.body).toMatchObject({ resourceType: 'Bundle', type: 'searchset' });
      expect(JSON.stringify(search.body)).toContain(sent.id);
      const serviceRequest = await fhir('GET', `/ServiceRequest/${sent.id}`);
      expect(serviceRequest.body).toMatchObject({ resourceType: 'ServiceRequest', id: sent.id });
      expect(JSON.stringify(serviceRequest.body)).toContain(sent.code);

      const basedOn = [{ reference: `ServiceRequest/${sent.id}` }];
      const accepted = await fhir('PUT', `/Task/${sent.id}`, { ...task, status: 'accepted', owner: { ...(task.owner as object), display: 'dr-lin' } });
      expect(accepted.status).toBe(202);
      await eventually(
        async () => watch.events.some((e) => (e.data as { referralStatusChanged: { state: string } }).referralStatusChanged.state === 'ACCEPTED'),
        { what: 'the subscription to push ACCEPTED' },
      );
      await watch.close();
      const afterAccept = await reaches(d, sent.id, 'ACCEPTED');
      expect(afterAccept.timeline[1]).toMatchObject({
        action: 'ACCEPT',
        actorUserId: 'dr-lin',
        actorSystem: expect.stringMatching(/^api-key:[0-9a-f]{8}$/) as string,
      });
      await taskAtHospital(d.hospitalConnector, sent.id, 'accepted');

      const appointment = (start: string, status: string) => ({
        resourceType: 'Appointment',
        status,
        start,
        end: new Date(new Date(start).getTime() + 3600_000).toISOString(),
        basedOn,
        participant: [{ actor: { reference: 'Location/clinic-3', display: 'Outpatient clinic 3' }, status: 'accepted' }],
      });
      const first = new Date(d.clock.now().getTime() + 2 * DAY).toISOString();
      expect((await fhir('POST', '/Appointment', appointment(first, 'booked'))).status).toBe(202);
      expect((await reaches(d, sent.id, 'SCHEDULED')).appointment).toMatchObject({ location: 'Outpatient clinic 3' });
      expect((await fhir('POST', '/Appointment', appointment(first, 'noshow'))).status).toBe(202);
      await reaches(d, sent.id, 'NO_SHOW');
      // The no-show goes back to the school's system with a prompt to re-engage the family.
      await eventually(
        async () => {
          const body = (await (await d.schoolConnector('/v1/inbox')).json()) as { items: Array<{ payload: Record<string, unknown> }> };
          return body.items.find((i) => i.payload.referralId === sent.id && i.payload.state === 'NO_SHOW');
        },
        { what: "the no-show at the school's system" },
      );
      await mutate(teacher, 'mutation($id: ID!) { reEngageFamily(id: $id, note: "Home visit; mother will bring him on Friday.") { id } }', { id: sent.id });
      expect((await fhir('POST', '/Appointment', appointment(new Date(d.clock.now().getTime() + 4 * DAY).toISOString(), 'booked'))).status).toBe(202);
      await reaches(d, sent.id, 'SCHEDULED');

      const encounter = (cls: string, status: string) => ({
        resourceType: 'Encounter',
        status,
        class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: cls },
        basedOn,
        participant: [{ individual: { display: 'dr-lin' } }],
      });
      expect((await fhir('POST', '/Encounter', encounter('AMB', 'finished'))).status).toBe(202);
      await reaches(d, sent.id, 'ATTENDED');
      expect((await fhir('POST', '/Encounter', encounter('IMP', 'in-progress'))).status).toBe(202);
      await reaches(d, sent.id, 'ADMITTED');
      const carePlan = {
        resourceType: 'CarePlan',
        status: 'active',
        intent: 'plan',
        subject: { display: 'withheld' },
        basedOn,
        author: { display: 'dr-lin' },
        category: [{ coding: [{ system: 'urn:careloop:code-system:school-guidance', code: 'risk-high' }] }],
        description: 'Keep a quiet room at lunch; no sports for two weeks.',
        activity: [{ detail: { status: 'in-progress', productCodeableConcept: { text: 'sertraline 50 mg' } } }],
      };
      expect((await fhir('POST', '/CarePlan', carePlan)).status).toBe(202);
      const withGuidance = await eventually(
        async () => {
          const r = await stateOf(d, sent.id);
          return (r?.treatmentUpdates as unknown[] | undefined)?.some((u) => (u as { guidance: string | null }).guidance?.includes('quiet room')) ? r : null;
        },
        { what: 'the guidance at the school' },
      );
      // The school reads the guidance in plain words, never the medication (clinical detail).
      expect(JSON.stringify(withGuidance)).not.toContain('sertraline');
      expect(withGuidance.treatmentUpdates).toContainEqual(expect.objectContaining({ riskLevel: 'HIGH', clinical: null }));
      const clinician = await as(HOSPITAL, 'clinician');
      const theirs = await gql(d.hub.fetch, clinician, 'query($id: ID!) { referral(id: $id) { treatmentUpdates { clinical { medication } } } }', {
        id: sent.id,
      });
      expect(JSON.stringify(theirs.data)).toContain('sertraline');

      expect((await fhir('POST', '/Encounter', encounter('IMP', 'finished'))).status).toBe(202);
      await reaches(d, sent.id, 'DISCHARGED');
      await mutate(teacher, 'mutation($id: ID!, $from: DateTime!) { recordLeave(id: $id, from: $from) { id } }', {
        id: sent.id,
        from: d.clock.now().toISOString(),
      });
      const certificate = {
        resourceType: 'DocumentReference',
        status: 'current',
        type: { coding: [{ system: 'urn:careloop:code-system:document-kind', code: 'recovery-certificate' }] },
        date: d.clock.now().toISOString(),
        author: [{ display: 'dr-lin' }],
        context: { related: basedOn },
        content: [{ attachment: { url: 'https://ehr.example/docs/991', title: '恢复证明' } }],
      };
      expect((await fhir('POST', '/DocumentReference', certificate)).status).toBe(202);
      await eventually(async () => ((await stateOf(d, sent.id))?.returnReview as { recoveryCertificate: unknown } | null)?.recoveryCertificate, {
        what: 'the recovery certificate on the referral',
      });
      const crisisTeam = await as(SCHOOL, 'crisis-team');
      await mutate(crisisTeam, 'mutation($id: ID!) { startReturnReview(id: $id, recordsReceived: true) { id } }', { id: sent.id });
      const decided = await mutate<{ decideReturn: { state: string } }>(
        crisisTeam,
        'mutation($id: ID!, $d: ReturnDecisionInput!) { decideReturn(id: $id, decision: $d) { state } }',
        {
          id: sent.id,
          d: {
            decision: 'RETURN_WITH_CONDITIONS',
            conditions: 'Half days for two weeks.',
            guardianCommitment: 'Daily check-in call.',
            studentCommitment: 'Tells his mentor when low.',
          },
        },
      );
      expect(decided.decideReturn.state).toBe('FOLLOW_UP');
      await mutate(teacher, 'mutation($id: ID!, $f: FollowUpInput!) { recordFollowUp(id: $id, followUp: $f) { id } }', {
        id: sent.id,
        f: { at: d.clock.now().toISOString(), channel: 'IN_PERSON', outcome: 'Settled back in class.' },
      });
      const closed = await mutate<{ closeReferral: { state: string } }>(teacher, 'mutation($id: ID!) { closeReferral(id: $id) { state } }', { id: sent.id });
      expect(closed.closeReferral.state).toBe('CLOSED');

      const final = (await stateOf(d, sent.id))!;
      expect(final.timeline.map((t) => t.action)).toEqual([
        'SEND',
        'ACCEPT',
        'SCHEDULE',
        'RECORD_NO_SHOW',
        'RE_ENGAGE',
        'SCHEDULE',
        'RECORD_ATTENDANCE',
        'ADMIT',
        'RECORD_TREATMENT_UPDATE',
        'DISCHARGE',
        'RECORD_LEAVE',
        'RECEIVE_RECOVERY_CERTIFICATE',
        'START_RETURN_REVIEW',
        'DECIDE_RETURN',
        'RECORD_FOLLOW_UP',
        'CLOSE',
      ]);
      expect(final.timeline.at(-1)?.state).toBe('CLOSED');
      // The hospital's Task follows the case to its end.
      const done = await taskAtHospital(d.hospitalConnector, sent.id, 'completed');
      expect(JSON.stringify(done.businessStatus)).toContain('7.0');
    });

    it('deadlines pass in simulated time: the school hears of an unacknowledged referral, the bureau of a stalled one', async () => {
      const sent = await sendReferral(d.hub, { clock: d.clock });
      await taskAtHospital(d.hospitalConnector, sent.id);
      d.clock.advance(25 * 3600_000);
      expect(await d.hub.referrals.raiseOverdue()).toBeGreaterThan(0);
      const overdue = (await stateOf(d, sent.id))!;
      expect(overdue.overdue).toBe(true);
      expect(overdue.breaches).toEqual([expect.objectContaining({ kind: 'ACKNOWLEDGEMENT' })]);
      await eventually(
        async () => {
          const body = (await (await d.schoolConnector('/v1/inbox')).json()) as { items: Array<{ kind: string; payload: Record<string, unknown> }> };
          return body.items.find((i) => i.kind === 'referral-overdue' && i.payload.referralId === sent.id && i.payload.deadline === 'ACKNOWLEDGEMENT');
        },
        { what: 'the overdue notice at the school' },
      );
      // Raising again changes nothing: each breach is recorded once.
      const before = (await stateOf(d, sent.id))!.breaches as unknown[];
      await d.hub.referrals.raiseOverdue();
      expect((await stateOf(d, sent.id))!.breaches).toHaveLength(before.length);

      // The district bureau sees the overdue referral of its school, without the child or the case.
      const bureau = await as(BUREAU, 'bureau-analyst');
      const seen = await gql<{ referral: Record<string, unknown> }>(
        d.hub.fetch,
        bureau,
        'query($id: ID!) { referral(id: $id) { id state subjectId reason breaches { kind } } }',
        { id: sent.id },
      );
      expect(seen.data?.referral).toMatchObject({ id: sent.id, state: 'SENT', subjectId: null, reason: null });
      const listed = await gql<{ referrals: { items: Array<{ id: string }> } }>(
        d.hub.fetch,
        bureau,
        '{ referrals(filter: { overdue: true }, first: 100) { items { id } } }',
      );
      expect(listed.data?.referrals.items.map((r) => r.id)).toContain(sent.id);
      const otherBureau = await gql(d.hub.fetch, await as(OTHER_BUREAU, 'bureau-analyst'), 'query($id: ID!) { referral(id: $id) { id } }', { id: sent.id });
      expect(errorCode(otherBureau)).toBe('NOT_FOUND');

      // Accepting answers the deadline: the referral is no longer overdue; 14 silent days make it stalled.
      await mutate(await as(HOSPITAL, 'hospital-liaison'), ACCEPT, { id: sent.id });
      expect((await stateOf(d, sent.id))!.overdue).toBe(false);
      // No longer overdue, it is gone from the bureau's list, and no cursor names it (nor any referral not shown).
      for (const filter of ['', '(filter: { overdue: false })', '(filter: { overdue: true })']) {
        const page = await gql<{ referrals: { items: Array<{ id: string }>; endCursor: string | null } }>(
          d.hub.fetch,
          bureau,
          `{ referrals${filter} { items { id } endCursor } }`,
        );
        const shown = page.data!.referrals.items.map((r) => r.id);
        expect(shown).not.toContain(sent.id);
        const cursor = page.data!.referrals.endCursor;
        if (cursor === null) continue;
        const [, named] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
        expect(shown).toContain(named);
      }
      d.clock.advance(15 * DAY);
      await d.hub.referrals.raiseOverdue();
      const kinds = ((await stateOf(d, sent.id))!.breaches as Array<{ kind: string }>).map((b) => b.kind);
      expect(kinds).toEqual(expect.arrayContaining(['ACKNOWLEDGEMENT', 'FIRST_APPOINTMENT', 'STALLED']));
      // Whatever else is in flight for other referrals must not go stale under the jump: close this one.
      await mutate(
        await as(SCHOOL, 'psychology-teacher'),
        'mutation($id: ID!) { withdrawReferral(id: $id, reason: "Family chose another hospital.") { id } }',
        { id: sent.id },
      );
    });

    it('the bureau reads counters for the schools of its district only', async () => {
      const from = new Date(d.clock.now().getTime() - 365 * DAY);
      const to = new Date(d.clock.now().getTime() + DAY);
      const query =
        'query($from: DateTime!, $to: DateTime!) { districtReferralCounters(from: $from, to: $to) { districtId schools { school { id } referred attended admitted returnedToSchool deadlineBreaches } total { referred } } }';
      const counters = await gql<{
        districtReferralCounters: {
          districtId: string;
          schools: Array<{ school: { id: string }; referred: number; attended: number; admitted: number; returnedToSchool: number }>;
        };
      }>(d.hub.fetch, await as(BUREAU, 'bureau-analyst'), query, { from: from.toISOString(), to: to.toISOString() });
      expect(counters.errors).toBeUndefined();
      expect(counters.data?.districtReferralCounters.districtId).toBe('haishu');
      const east = counters.data!.districtReferralCounters.schools.find((s) => s.school.id === SCHOOL)!;
      expect(east.referred).toBeGreaterThan(0);
      expect(east).toMatchObject({ attended: expect.any(Number) as number, admitted: expect.any(Number) as number });
      // The whole-loop scenario above took one child of this school through a visit, an admission and a return.
      expect(Math.min(east.attended, east.admitted, east.returnedToSchool)).toBeGreaterThanOrEqual(1);
      expect(counters.data!.districtReferralCounters.schools.map((s) => s.school.id)).not.toContain(OTHER_SCHOOL);
      const school = await gql(d.hub.fetch, await as(SCHOOL, 'psychology-teacher'), query, { from: from.toISOString(), to: to.toISOString() });
      expect(errorCode(school)).toBe('NOT_FOUND');
    });

    it('the hospital finds a referral by the code on the family’s letter; another hospital cannot tell it from an unknown code', async () => {
      const sent = await sendReferral(d.hub, { clock: d.clock });
      const letter = await gql<{ referral: { letter: { code: string; text: string } } }>(
        d.hub.fetch,
        await as(SCHOOL, 'psychology-teacher'),
        'query($id: ID!) { referral(id: $id) { letter { code text } } }',
        { id: sent.id },
      );
      expect(letter.data?.referral.letter.text).toContain(`转介编号：${sent.code}`);
      expect(letter.data?.referral.letter.text).not.toContain('Self-harm');
      const byCode = 'query($c: String!) { referralByCode(code: $c) { id state } }';
      const found = await gql<{ referralByCode: { id: string } }>(d.hub.fetch, await as(HOSPITAL, 'hospital-liaison'), byCode, { c: sent.code.toLowerCase() });
      expect(found.data?.referralByCode.id).toBe(sent.id);
      const other = await gql(d.hub.fetch, await as(OTHER_HOSPITAL, 'hospital-liaison'), byCode, { c: sent.code });
      const unknown = await gql(d.hub.fetch, await as(OTHER_HOSPITAL, 'hospital-liaison'), byCode, { c: 'GC-0000-0000' });
      expect(errorCode(other)).toBe('NOT_FOUND');
      expect(JSON.stringify(other)).toBe(JSON.stringify(unknown));
      await mutate(await as(SCHOOL, 'psychology-teacher'), 'mutation($id: ID!) { withdrawReferral(id: $id, reason: "Test over.") { id } }', { id: sent.id });
    });

    it('a second open referral for the same child is refused; once the first is closed, a new one may be sent', async () => {
      const subjectId = await newStudent(d.hub);
      const first = await sendReferral(d.hub, { subjectId, clock: d.clock });
      const teacher = await as(SCHOOL, 'psychology-teacher');
      const before = await d.count('referrals');
      const second = await gql(d.hub.fetch, teacher, CREATE, { input: referralInput({ subjectId }) });
      expect(errorCode(second)).toBe('OPEN_REFERRAL_EXISTS');
      expect(await d.count('referrals')).toBe(before);
      await mutate(teacher, 'mutation($id: ID!) { withdrawReferral(id: $id, reason: "Sent to the wrong clinic.") { id } }', { id: first.id });
      expect((await gql(d.hub.fetch, teacher, CREATE, { input: referralInput({ subjectId }) })).errors).toBeUndefined();
    });

    it('a transfer moves the case to another hospital: its Task appears there and the first hospital’s Task is cancelled', async () => {
      const sent = await sendReferral(d.hub, { clock: d.clock });
      await taskAtHospital(d.hospitalConnector, sent.id);
      const liaison = await as(HOSPITAL, 'hospital-liaison');
      await mutate(liaison, ACCEPT, { id: sent.id });
      const moved = await mutate<{ transferReferral: { state: string } | null }>(
        liaison,
        'mutation($id: ID!, $to: ID!) { transferReferral(id: $id, hospitalAgencyId: $to, reason: "Adolescent ward full.") { state } }',
        { id: sent.id, to: OTHER_HOSPITAL },
      );
      // The first hospital may no longer read the case once it has moved on: the transfer answers null.
      expect(moved.transferReferral).toBeNull();
      expect((await stateOf(d, sent.id))?.state).toBe('SENT');
      await taskAtHospital(d.otherHospitalConnector, sent.id, 'requested');
      await taskAtHospital(d.hospitalConnector, sent.id, 'cancelled');
      const firstHospital = await gql(d.hub.fetch, liaison, READ, { id: sent.id });
      expect(errorCode(firstHospital)).toBe('NOT_FOUND');
      // Transferring to an agency that takes no outpatient referrals is refused.
      const toCentre = await gql(
        d.hub.fetch,
        await as(SCHOOL, 'psychology-teacher'),
        'mutation($id: ID!) { transferReferral(id: $id, hospitalAgencyId: "centre-haishu", reason: "x") { id } }',
        { id: sent.id },
      );
      expect(errorCode(toCentre)).toBe('FORBIDDEN');
    });

    it('a counselling referral goes to a community centre: the centre publishes slots, the school books one', async () => {
      const sent = await sendReferral(d.hub, { clock: d.clock, hospitalAgencyId: CENTRE, channel: 'COUNSELLING' });
      const [counsellor, teacher, liaison] = await Promise.all([as(CENTRE, 'counsellor'), as(SCHOOL, 'psychology-teacher'), as(HOSPITAL, 'hospital-liaison')]);
      await mutate(counsellor, ACCEPT, { id: sent.id });
      const hour = (h: number) => new Date(d.clock.now().getTime() + h * 3600_000).toISOString();
      const published = await mutate<{ publishCounsellingSlots: Array<{ id: string; booked: boolean }> }>(
        counsellor,
        'mutation($s: [CounsellingSlotInput!]!) { publishCounsellingSlots(slots: $s) { id booked } }',
        { s: [26, 50].map((h) => ({ startsAt: hour(h), endsAt: hour(h + 1), location: 'Room 2, growth guidance centre' })) },
      );
      expect(published.publishCounsellingSlots.map((s) => s.booked)).toEqual([false, false]);
      const SLOTS = `query($p: ID!, $free: Boolean) { counsellingSlots(providerAgencyId: $p, freeOnly: $free) {
        items { id startsAt location booked bookedReferralId provider { id } } hasMore } }`;
      const listed = await gql<{ counsellingSlots: { items: Array<{ id: string; bookedReferralId: string | null; provider: { id: string } }> } }>(
        d.hub.fetch,
        teacher,
        SLOTS,
        { p: CENTRE },
      );
      const [first] = listed.data!.counsellingSlots.items;
      expect(first).toMatchObject({ id: published.publishCounsellingSlots[0]!.id, bookedReferralId: null, provider: { id: CENTRE } });
      // The school sets no time of its own: it books one of the centre's slots.
      const ownTime = await gql(d.hub.fetch, teacher, 'mutation($id: ID!, $a: AppointmentInput!) { scheduleAppointment(id: $id, appointment: $a) { state } }', {
        id: sent.id,
        a: { start: hour(30) },
      });
      expect(errorCode(ownTime)).toBe('FORBIDDEN');
      const booked = await mutate<{ bookCounsellingSlot: { state: string; appointment: { start: string; location: string; slotId: string } } }>(
        teacher,
        'mutation($id: ID!, $slot: ID!) { bookCounsellingSlot(id: $id, slotId: $slot) { state appointment { start location slotId } } }',
        { id: sent.id, slot: first!.id },
      );
      expect(booked.bookCounsellingSlot).toEqual({
        state: 'SCHEDULED',
        appointment: { start: hour(26), location: 'Room 2, growth guidance centre', slotId: first!.id },
      });
      // Another referral cannot take the booked slot.
      const other = await sendReferral(d.hub, { clock: d.clock, hospitalAgencyId: CENTRE, channel: 'COUNSELLING' });
      await mutate(counsellor, ACCEPT, { id: other.id });
      const taken = await gql(d.hub.fetch, teacher, 'mutation($id: ID!, $slot: ID!) { bookCounsellingSlot(id: $id, slotId: $slot) { state } }', {
        id: other.id,
        slot: first!.id,
      });
      expect(errorCode(taken)).toBe('SLOT_UNAVAILABLE');
      // The centre sees which referral holds the slot; the school sees only the free one.
      const own = await gql<{ counsellingSlots: { items: Array<{ id: string; bookedReferralId: string | null }> } }>(d.hub.fetch, counsellor, SLOTS, {
        p: CENTRE,
        free: false,
      });
      expect(own.data!.counsellingSlots.items.find((s) => s.id === first!.id)?.bookedReferralId).toBe(sent.id);
      const schoolView = await gql<{ counsellingSlots: { items: Array<{ id: string }> } }>(d.hub.fetch, teacher, SLOTS, { p: CENTRE, free: false });
      expect(schoolView.data!.counsellingSlots.items.map((s) => s.id)).toEqual([published.publishCounsellingSlots[1]!.id]);
      // Another hospital cannot see the centre's slots or withdraw one: as if they did not exist.
      expect(errorCode(await gql(d.hub.fetch, liaison, SLOTS, { p: CENTRE }))).toBe('NOT_FOUND');
      const REMOVE = 'mutation($id: ID!) { removeCounsellingSlot(id: $id) }';
      const theirs = await gql(d.hub.fetch, liaison, REMOVE, { id: first!.id });
      const unknown = await gql(d.hub.fetch, liaison, REMOVE, { id: 'no-such-slot' });
      expect(errorCode(theirs)).toBe('NOT_FOUND');
      expect(theirs.errors?.[0]?.message).toBe(unknown.errors?.[0]?.message);
      expect(errorCode(await gql(d.hub.fetch, counsellor, REMOVE, { id: first!.id }))).toBe('SLOT_UNAVAILABLE');
      // The centre's system sees the booked time on its FHIR Task.
      await eventually(
        async () => {
          const read = await fhirOf(d.centreConnector)('GET', `/Task/${sent.id}`);
          return (read.body.executionPeriod as { start?: string } | undefined)?.start === hour(26) ? true : null;
        },
        { what: 'the booked time on the centre’s Task' },
      );
      // An outpatient referral cannot go to a centre.
      const refused = await gql(d.hub.fetch, teacher, CREATE, {
        input: referralInput({ subjectId: await newStudent(d.hub), hospitalAgencyId: CENTRE, channel: 'OUTPATIENT' }),
      });
      expect(errorCode(refused)).toBe('FORBIDDEN');
    });

    it('FHIR the connector cannot use gets an OperationOutcome, never a 5xx, and changes nothing', async () => {
      const sent = await sendReferral(d.hub, { clock: d.clock });
      await taskAtHospital(d.hospitalConnector, sent.id);
      const invalid = await fhir('POST', '/Task', { resourceType: 'Task', intent: 'order', focus: { reference: `ServiceRequest/${sent.id}` } });
      expect(invalid.status).toBe(400);
      expect(invalid.body.resourceType).toBe('OperationOutcome');
      const notOurs = await fhir('POST', '/Encounter', { resourceType: 'Encounter', status: 'finished', class: { code: 'AMB' } });
      expect(notOurs.status).toBe(422);
      const unknown = await fhir('POST', '/Encounter', {
        resourceType: 'Encounter',
        status: 'finished',
        class: { code: 'AMB' },
        basedOn: [{ reference: `ServiceRequest/${randomUUID()}` }],
      });
      expect(unknown.status).toBe(404);
      const dlq = await watchDeadLetters(d.hub, sent.id);
      const illegal = await fhir('POST', '/Encounter', {
        resourceType: 'Encounter',
        status: 'finished',
        class: { code: 'AMB' },
        basedOn: [{ reference: `ServiceRequest/${sent.id}` }],
      });
      // Valid and ours, but the state machine refuses a visit before acceptance: the hub dead-letters it, with why.
      expect(illegal.status).toBe(202);
      const letters = await eventually(async () => (dlq.letters.length ? dlq.letters : null), { what: 'the refused visit in the dead-letter topic' });
      await dlq.close();
      expect(letters[0]).toMatchObject({ reason: 'INVALID_TRANSITION', consumer: 'hub.ledger-projector' });
      const metadata = await fhir('GET', '/metadata');
      expect(metadata.body).toMatchObject({ resourceType: 'CapabilityStatement', fhirVersion: '4.0.1' });
      expect((await stateOf(d, sent.id))?.state).toBe('SENT');
    });

    it('another school, the police and a stranger cannot learn that the referral exists', async () => {
      const sent = await sendReferral(d.hub, { clock: d.clock });
      const otherSchool = await gql(d.hub.fetch, await as(OTHER_SCHOOL, 'psychology-teacher'), READ, { id: sent.id });
      expect(errorCode(otherSchool)).toBe('NOT_FOUND');
      expect(otherSchool.data).toBeNull();
      const police = await gql(d.hub.fetch, await as(POLICE, 'police-analyst'), READ, { id: sent.id });
      expect(errorCode(police)).toBe('NOT_FOUND');
      expect(police.data).toBeNull();
      // Indistinguishable from a referral that does not exist at all.
      const missing = await gql(d.hub.fetch, await as(OTHER_SCHOOL, 'psychology-teacher'), READ, { id: randomUUID() });
      expect(missing.errors?.[0]?.message).toBe(otherSchool.errors?.[0]?.message);
      expect(missing.errors?.[0]?.extensions).toEqual(otherSchool.errors?.[0]?.extensions);
      const stranger = await gql(d.hub.fetch, null, READ, { id: sent.id });
      expect(errorCode(stranger)).toBe('UNAUTHENTICATED');
      expect(stranger.status).toBe(401);
      expect(stranger.data ?? null).toBeNull();
    });

    it('a referral for an unknown student or another school’s student answers byte for byte the same and writes nothing', async () => {
      const token = await as(SCHOOL, 'psychology-teacher');
      const before = await d.count('referrals');
      const bodies: string[] = [];
      for (const subjectId of ['subj-does-not-exist', OTHER_SCHOOLS_STUDENT]) {
        const result = await gql(d.hub.fetch, token, CREATE, { input: referralInput({ subjectId }) });
        expect(errorCode(result)).toBe('NOT_FOUND');
        expect(result.data).toBeNull();
        bodies.push(JSON.stringify(result));
      }
      expect(bodies[0]).toBe(bodies[1]);
      expect(bodies[0]).toContain('No such subject.');
      expect(await d.count('referrals')).toBe(before);
    });

    it('a referral to an unknown agency answers exactly like one to an agency that is no hospital', async () => {
      const token = await as(SCHOOL, 'psychology-teacher');
      const bodies: string[] = [];
      for (const hospitalAgencyId of ['hospital-does-not-exist', POLICE]) {
        const result = await gql(d.hub.fetch, token, CREATE, { input: referralInput({ subjectId: STUDENT, hospitalAgencyId }) });
        expect(errorCode(result)).toBe('FORBIDDEN');
        bodies.push(JSON.stringify(result));
      }
      expect(bodies[0]).toBe(bodies[1]);
    });

    it('deciding on another hospital’s referral answers exactly like deciding on one that does not exist', async () => {
      const sent = await sendReferral(d.hub, { clock: d.clock });
      const stranger = await as(OTHER_SCHOOL, 'psychology-teacher');
      const hidden = await gql(d.hub.fetch, stranger, 'mutation($id: ID!) { withdrawReferral(id: $id, reason: "Moved away.") { id } }', { id: sent.id });
      const missing = await gql(d.hub.fetch, stranger, 'mutation($id: ID!) { withdrawReferral(id: $id, reason: "Moved away.") { id } }', { id: randomUUID() });
      expect(errorCode(hidden)).toBe('NOT_FOUND');
      expect(JSON.stringify(hidden)).toBe(JSON.stringify(missing));
    });

    it('accepting a referral twice is INVALID_TRANSITION and leaves its timeline as it was', async () => {
      const sent = await sendReferral(d.hub, { clock: d.clock });
      const liaison = await as(HOSPITAL, 'hospital-liaison');
      await gql(d.hub.fetch, liaison, ACCEPT, { id: sent.id });
      const timelineBefore = await d.count('referral_timeline');
      const again = await gql(d.hub.fetch, liaison, ACCEPT, { id: sent.id });
      expect(errorCode(again)).toBe('INVALID_TRANSITION');
      expect(await d.count('referral_timeline')).toBe(timelineBefore);
    });

    it('a school cannot accept its own referral: FORBIDDEN, and nothing changes', async () => {
      const sent = await sendReferral(d.hub, { clock: d.clock });
      const teacher = await as(SCHOOL, 'psychology-teacher');
      const result = await gql(d.hub.fetch, teacher, ACCEPT, { id: sent.id });
      expect(errorCode(result)).toBe('FORBIDDEN');
      expect((await stateOf(d, sent.id))?.state).toBe('SENT');
      const decline = await gql(d.hub.fetch, teacher, DECLINE, { id: sent.id, reason: 'x' });
      expect(errorCode(decline)).toBe('FORBIDDEN');
    });

    it('a malformed GraphQL call gets GRAPHQL_PARSE_FAILED and writes nothing', async () => {
      const token = await as(SCHOOL, 'psychology-teacher');
      const before = await d.count('referrals');
      const result = await gql(d.hub.fetch, token, 'mutation { createReferral(input: { subjectId: ');
      expect(errorCode(result)).toBe('GRAPHQL_PARSE_FAILED');
      const invalid = await gql(d.hub.fetch, token, '{ referral(id: "x") { noSuchField } }');
      expect(errorCode(invalid)).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(await d.count('referrals')).toBe(before);
    });

    it('an expired token is UNAUTHENTICATED and writes nothing', async () => {
      const before = await d.count('referrals');
      const expired = await tokenFor(d.hub.keyRing, SCHOOL, 'psychology-teacher', { clock: d.clock, ttlSeconds: -3600 });
      const result = await gql(d.hub.fetch, expired, CREATE, {
        input: referralInput(),
      });
      expect(errorCode(result)).toBe('UNAUTHENTICATED');
      expect(result.status).toBe(401);
      expect(await d.count('referrals')).toBe(before);
    });

    it("a referral without the guardians' notice or the crisis group's decision is refused and writes nothing", async () => {
      const token = await as(SCHOOL, 'psychology-teacher');
      const before = await d.count('referrals');
      const { guardianNotice: _notice, ...withoutNotice } = referralInput({ subjectId: await newStudent(d.hub) });
      const noNotice = await gql(d.hub.fetch, token, CREATE, { input: withoutNotice });
      expect(errorCode(noNotice)).toBe('BAD_USER_INPUT');
      const input = referralInput({ subjectId: await newStudent(d.hub) });
      const notBeyond = await gql(d.hub.fetch, token, CREATE, { input: { ...input, assessment: { ...input.assessment, exceedsSchoolCapacity: false } } });
      expect(errorCode(notBeyond)).toBe('BAD_USER_INPUT');
      expect(notBeyond.errors?.[0]?.extensions?.field).toBe('assessment.exceedsSchoolCapacity');
      const category1 = await gql(d.hub.fetch, token, CREATE, { input: { ...input, assessment: { ...input.assessment, category: 1 } } });
      expect(errorCode(category1)).toBe('BAD_USER_INPUT');
      expect(await d.count('referrals')).toBe(before);
    });

    it('every disclosure and every refusal of a referral is audited, by field name only', async () => {
      const sent = await sendReferral(d.hub, { clock: d.clock });
      await gql(d.hub.fetch, await as(SCHOOL, 'psychology-teacher'), READ, { id: sent.id });
      await gql(d.hub.fetch, await as(POLICE, 'police-analyst'), READ, { id: sent.id });
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
      const sent = await sendReferral(d.hub, { clock: d.clock });
      const liaison = await as(HOSPITAL, 'hospital-liaison');
      const read = await gql<{ referral: { reason: string; createdBy: string | null } }>(d.hub.fetch, liaison, READ, { id: sent.id });
      expect(read.data?.referral.reason).toContain('Self-harm');
      expect(read.data?.referral.createdBy).toBeNull();
    });

    it('a school lists only its own students, page by page, and the police cannot list any', async () => {
      const teacher = await as(SCHOOL, 'psychology-teacher');
      const LIST = 'query($after: String) { students(first: 2, after: $after) { items { id grade localRef } endCursor hasMore } }';
      const seen: string[] = [];
      let after: string | null = null;
      for (;;) {
        const page: GqlResult<{ students: { items: Array<{ id: string }>; endCursor: string | null; hasMore: boolean } }> = await gql(
          d.hub.fetch,
          teacher,
          LIST,
          { after },
        );
        expect(page.errors).toBeUndefined();
        expect(page.data!.students.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.data!.students.items.map((s) => s.id));
        if (!page.data!.students.hasMore) break;
        after = page.data!.students.endCursor;
      }
      expect(seen).toContain(STUDENT);
      expect(seen).not.toContain(OTHER_SCHOOLS_STUDENT);
      expect(new Set(seen).size).toBe(seen.length);
      expect(errorCode(await gql(d.hub.fetch, teacher, '{ students(first: 101) { hasMore } }'))).toBe('BAD_USER_INPUT');
      const police = await gql(d.hub.fetch, await as(POLICE, 'police-analyst'), '{ students { items { id } } }');
      expect(errorCode(police)).toBe('FORBIDDEN');
    });

    it('each school and the hospital list the referrals that involve them, and no others', async () => {
      const sent = await sendReferral(d.hub, { clock: d.clock });
      const list = async (agency: string, role: string) =>
        (
          await gql<{ referrals: { items: Array<{ id: string }> } }>(d.hub.fetch, await as(agency, role), '{ referrals(first: 100) { items { id state } } }')
        ).data?.referrals.items.map((r) => r.id);
      expect(await list(SCHOOL, 'psychology-teacher')).toContain(sent.id);
      expect(await list(HOSPITAL, 'clinician')).toContain(sent.id);
      expect(await list(OTHER_SCHOOL, 'psychology-teacher')).not.toContain(sent.id);
    });

    it('a school withdraws its referral with a reason and the hospital system sees its Task cancelled', async () => {
      const sent = await sendReferral(d.hub, { clock: d.clock });
      await taskAtHospital(d.hospitalConnector, sent.id);
      const token = await as(SCHOOL, 'crisis-team');
      const result = await gql<{ withdrawReferral: { state: string } }>(
        d.hub.fetch,
        token,
        'mutation($id: ID!) { withdrawReferral(id: $id, reason: "Family moved to another city") { state } }',
        { id: sent.id },
      );
      expect(result.data?.withdrawReferral.state).toBe('WITHDRAWN');
      await taskAtHospital(d.hospitalConnector, sent.id, 'cancelled');
      // The hospital sees that it was withdrawn, not the school's reason.
      const seen = await gql<{ referral: { withdrawReason: string | null; state: string } }>(d.hub.fetch, await as(HOSPITAL, 'clinician'), READ, {
        id: sent.id,
      });
      expect(seen.data?.referral).toMatchObject({ state: 'WITHDRAWN', withdrawReason: null });
    });

    it('forged, wrong-agency and re-labelled hospital reports are dead-lettered with their reason and change nothing', async () => {
      const sent = await sendReferral(d.hub, { clock: d.clock });
      const dlq = await watchDeadLetters(d.hub, sent.id);
      const data = { referralId: sent.id, action: 'ACCEPT', reportedBy: 'mallory', reportedVia: 'api-key:00000000', reportedAt: d.clock.now().toISOString() };
      const time = d.clock.now();

      // Forged: a key nobody registered, presented under the hospital's name and kid.
      const hospitalKid = d.hub.keyRing.directory().find((a) => a.id === HOSPITAL)!.publicKeys.keys[0]!.kid as string;
      const rogueKey = { ...(await generateAgencySigningKey(HOSPITAL)), kid: hospitalKid };
      const forged = await createSignedEvent({
        signer: await createAgencySigner(HOSPITAL, rogueKey),
        type: REFERRAL_EVENT_TYPES.hospitalReport,
        subject: sent.id,
        recipient: HUB_AGENCY_ID,
        data,
        time,
      });
      // Wrong agency: a school's genuine key, claiming to be the hospital.
      const schoolSigner = await d.hub.keyRing.signer(SCHOOL);
      const wrongAgency = await createSignedEvent({
        signer: { agencyId: HOSPITAL, sign: (p) => schoolSigner.sign(p) },
        type: REFERRAL_EVENT_TYPES.hospitalReport,
        subject: sent.id,
        recipient: HUB_AGENCY_ID,
        data,
        time,
      });
      // Re-labelled: a genuine hospital event whose envelope was edited after signing.
      const genuine = await createSignedEvent({
        signer: await d.hub.keyRing.signer(HOSPITAL),
        type: REFERRAL_EVENT_TYPES.hospitalReport,
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
      expect((await stateOf(d, sent.id))?.state).toBe('SENT');
    });

    it('a redelivered hospital report is applied once', async () => {
      const sent = await sendReferral(d.hub, { clock: d.clock });
      const event = await createSignedEvent({
        signer: await d.hub.keyRing.signer(HOSPITAL),
        type: REFERRAL_EVENT_TYPES.hospitalReport,
        subject: sent.id,
        recipient: HUB_AGENCY_ID,
        data: { referralId: sent.id, action: 'ACCEPT', reportedBy: 'dr-lin', reportedVia: 'api-key:00000000', reportedAt: d.clock.now().toISOString() },
        time: d.clock.now(),
      });
      const dlq = await watchDeadLetters(d.hub, sent.id);
      await d.hub.bus.publish(TOPICS.hubInbound, [event, event]);
      await eventually(async () => (await stateOf(d, sent.id))?.state === 'ACCEPTED', { what: 'ACCEPTED' });
      // A marker after the duplicate: once it is dead-lettered, the duplicate before it has been handled too.
      await d.hub.bus.publish(TOPICS.hubInbound, [{ key: sent.id, value: 'marker' }]);
      await eventually(async () => dlq.letters.some((l) => l.originalValue === 'marker'), { what: 'the marker' });
      await dlq.close();
      expect(dlq.letters.filter((l) => l.originalValue !== 'marker')).toEqual([]);
      expect((await stateOf(d, sent.id))?.timeline.map((t) => t.action)).toEqual(['SEND', 'ACCEPT']);
    });
  });
}
