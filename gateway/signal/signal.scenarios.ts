import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agencyTopic, TOPICS } from '../../core/messages/topics.js';
import { verifyStoredAuditChain } from '../../adapters/store/sql-audit-chain.js';
import { createLogger } from '../../adapters/logging/create-logger.js';
import type { Hub, HubOptions } from '../create-hub.js';
import { errorCode, eventually, gql, tokenFor } from '../../test/support/hub-client.js';
import { inventedResidentId, withWrongCheckCharacter } from '../../test/support/resident-ids.js';
import { createEnvelopeSealer, encryptionKeyOf } from '../../adapters/crypto/envelope.js';
import { createSignedEvent } from '../../adapters/messaging/signed-event.js';
import { HUB_AGENCY_ID } from '../../core/development-seed.js';
import { SIGNAL_BATCH_EVENT_MAX_BYTES, SIGNAL_BATCH_PURPOSE, SIGNAL_EVENT_TYPES } from '../../core/signal/signal-events.js';

const SCHOOL_SIGNAL_FIELDS =
  'id sourceId policeAgencyId subjectId schoolAgencyId category severity episodeId state acknowledgeBy overdue escalatedAt hasNote actions acknowledgement { actions note } guidance { text }';
const POLICE_FIELDS = 'id sourceId state overdue acknowledgedAt actions category severity subjectId schoolAgencyId';

type InboxItem = { id: string; kind: string; payload: Record<string, unknown>; receivedAt: string };

/**
 * Police signals and the enrolment register through the doors agencies use: school and police systems through
 * their connectors' JSON APIs, people through GraphQL. Run on every deployment (embedded PGlite; Kafka and
 * PostgreSQL) by the suites that import it.
 */
export function describeSignals(deployment: string, start: (options: HubOptions) => Promise<{ hub: Hub; stop(): Promise<void> }>) {
  describe(`signals from public safety and the enrolment register (${deployment})`, () => {
    let hub: Hub;
    let stopHub: () => Promise<void>;
    let teacher: string;
    let westTeacher: string;
    let mentor: string;
    let police: string;
    let bureau: string;
    let westBureau: string;
    const connectorKeys = new Map<string, string>();
    const logLines: string[] = [];
    const numbersUsed: string[] = [];
    let offsetMs = 0;
    const clock = { now: () => new Date(Date.now() + offsetMs) };

    beforeAll(async () => {
      const started = await start({
        embedConnectors: true,
        relayIntervalMs: 50,
        retentionIntervalMs: 0,
        deadlineCheckIntervalMs: 0,
        clock,
        signalPolicy: { retentionMs: 30 * 24 * 3600_000 },
        // Every line the hub and its connectors log, at the most talkative level, to be searched for numbers.
        logger: createLogger({ name: 'signal-scenarios', level: 'debug', destination: { write: (line: string) => void logLines.push(line) } }),
        onConnectorKeyCreated: (agencyId, key) => void connectorKeys.set(agencyId, key),
      });
      hub = started.hub;
      stopHub = () => started.stop();
      teacher = await tokenFor(hub.keyRing, 'school-east', 'psychology-teacher', { userId: 'teacher-chen' });
      westTeacher = await tokenFor(hub.keyRing, 'school-west', 'psychology-teacher', { userId: 'teacher-xu' });
      mentor = await tokenFor(hub.keyRing, 'school-east', 'mentor', { userId: 'mentor-wang' });
      police = await tokenFor(hub.keyRing, 'police-haishu', 'police-analyst', { userId: 'analyst-he' });
      bureau = await tokenFor(hub.keyRing, 'bureau-haishu', 'bureau-analyst');
      westBureau = await tokenFor(hub.keyRing, 'bureau-yinzhou', 'bureau-analyst');
    });
    afterAll(() => stopHub());

    const post = (agencyId: string, path: string, body: unknown, credential: string | null = connectorKeys.get(agencyId) ?? null) =>
      hub.fetch(
        new Request(`http://hub/connectors/${agencyId}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(credential ? { authorization: `Bearer ${credential}` } : {}) },
          body: typeof body === 'string' ? body : JSON.stringify(body),
        }),
      );

    /** Waits for inbox items of `kind` that `match`, acknowledges them and returns their payloads. */
    async function fromInbox(agencyId: string, kind: string, match: (payload: Record<string, unknown>) => boolean, count = 1) {
      const key = connectorKeys.get(agencyId)!;
      const found: Array<Record<string, unknown>> = [];
      await eventually(
        async () => {
          const res = await hub.fetch(new Request(`http://hub/connectors/${agencyId}/v1/inbox?limit=500`, { headers: { authorization: `Bearer ${key}` } }));
          const mine = ((await res.json()) as { items: InboxItem[] }).items.filter((i) => i.kind === kind && match(i.payload));
          if (mine.length > 0) {
            await post(agencyId, '/v1/inbox/ack', { ids: mine.map((i) => i.id) });
            found.push(...mine.map((i) => i.payload));
          }
          return found.length >= count;
        },
        { what: `${kind} in the inbox of ${agencyId}` },
      );
      return found;
    }

    /** Inbox items matching now, without waiting (what has not arrived is not there). */
    async function fromInboxNow(agencyId: string, match: (payload: Record<string, unknown>) => boolean) {
      const res = await hub.fetch(
        new Request(`http://hub/connectors/${agencyId}/v1/inbox?limit=500`, { headers: { authorization: `Bearer ${connectorKeys.get(agencyId)!}` } }),
      );
      return ((await res.json()) as { items: InboxItem[] }).items.filter((i) => match(i.payload));
    }

    let largestOnTheBus = 0;
    let batchEventsOnTheBus = 0;
    /** The key of every batch event the police connector put on the hub's inbound topic. */
    const batchEventKeys: Array<string | null> = [];
    /** Batch events a test signed and published itself, as a police system without the connector would. */
    const selfMadeBatchEvents = new Set<string>();
    /** The topic and key of every signal event the hub sent an agency. */
    const signalEventKeys: Array<{ topic: string; key: string }> = [];
    /** The sending school and key of every register change on the bus. */
    const registerKeys: string[] = [];
    /** Every message every topic carried, read by a consumer group of its own from the start, as the bus holds it. */
    async function everythingOnTheBus(): Promise<string> {
      const agencies = await hub.sql.query<{ id: string }>("SELECT id FROM agencies WHERE type <> 'hub'");
      const seen: string[] = [];
      const subscription = await hub.bus.subscribe({
        groupId: `careloop-test-scan-${randomUUID().slice(0, 8)}`,
        topics: [TOPICS.hubInbound, TOPICS.deadLetter, ...agencies.map((a) => agencyTopic(a.id))],
        handler: async (m) => {
          seen.push(`${m.key ?? ''} ${m.value} ${JSON.stringify(m.headers)}`);
          largestOnTheBus = Math.max(largestOnTheBus, Buffer.byteLength(m.value));
          if (m.value.includes(SIGNAL_EVENT_TYPES.batchRaised)) batchEventsOnTheBus++;
          if (m.topic === TOPICS.hubInbound && m.value.includes(`"type":"${SIGNAL_EVENT_TYPES.batchRaised}"`)) {
            const id = /"id":"([^"]+)"/.exec(m.value)?.[1] ?? '';
            if (!selfMadeBatchEvents.has(id)) batchEventKeys.push(m.key);
          }
          if (m.topic === TOPICS.hubInbound && m.value.includes('"type":"org.careloop.enrolment.changes.v1"'))
            registerKeys.push(`${/"source":"urn:careloop:agency:([a-z0-9-]+)"/.exec(m.value)?.[1] ?? '?'} ${m.key ?? ''}`);
          const type = /"type":"(org\.careloop\.signal\.[a-z-]+\.v1)"/.exec(m.value)?.[1];
          if (type && type !== SIGNAL_EVENT_TYPES.schoolReport && m.topic !== TOPICS.hubInbound && m.topic !== TOPICS.deadLetter)
            signalEventKeys.push({ topic: m.topic, key: m.key ?? '' });
        },
      });
      let before = -1;
      await eventually(
        async () => {
          const quiet = seen.length > 0 && seen.length === before;
          before = seen.length;
          return quiet;
        },
        { intervalMs: 1500, what: 'the bus scan to go quiet' },
      );
      await subscription.close();
      return seen.join('\n');
    }

    let studentCounter = 0;
    /** Enrols a child through the school's connector; the pseudonym the hub gave them. */
    async function enrol(school = 'school-east', residentId = inventedResidentId(), grade = 8, classRef = '8-2') {
      numbersUsed.push(residentId);
      const studentNumber = `${school === 'school-east' ? 'E' : 'W'}-${Date.now().toString(36)}-${++studentCounter}`;
      const res = await post(school, '/v1/enrolments', {
        changes: [{ studentNumber, residentId, change: 'ENROLLED', grade, classRef, on: clock.now().toISOString().slice(0, 10) }],
      });
      expect(res.status).toBe(202);
      const { batchId } = (await res.json()) as { batchId: string };
      const [applied] = await fromInbox(school, 'enrolment-applied', (p) => p.batchId === batchId);
      const enrolled = applied!.enrolled as Array<{ pseudonym: string }>;
      return { subjectId: enrolled[0]!.pseudonym, residentId, studentNumber };
    }

    /** Another school enrols a child who is enrolled elsewhere: the hub's answer to that school. */
    async function requestTransfer(child: { residentId: string }, school: string, grade: number, classRef: string) {
      const studentNumber = `W-${Date.now().toString(36)}-${++studentCounter}`;
      const res = await post(school, '/v1/enrolments', {
        changes: [{ studentNumber, residentId: child.residentId, change: 'ENROLLED', grade, classRef, on: clock.now().toISOString().slice(0, 10) }],
      });
      const { batchId } = (await res.json()) as { batchId: string };
      const [applied] = await fromInbox(school, 'enrolment-applied', (p) => p.batchId === batchId);
      return { ...applied!, studentNumber };
    }

    /** The school a child is enrolled at records that the child left. */
    async function release(child: { studentNumber: string }, school = 'school-east') {
      const res = await post(school, '/v1/enrolments', {
        changes: [{ studentNumber: child.studentNumber, change: 'LEFT', grade: 9, classRef: '9-1', on: clock.now().toISOString().slice(0, 10) }],
      });
      const { batchId } = (await res.json()) as { batchId: string };
      const [applied] = await fromInbox(school, 'enrolment-applied', (p) => p.batchId === batchId);
      expect(applied).toMatchObject({ left: 1 });
    }

    let sourceCounter = 0;
    async function raise(residentId: string, fields: Record<string, unknown> = {}) {
      numbersUsed.push(residentId);
      const sourceId = (fields.sourceId as string | undefined) ?? `PS-${Date.now().toString(36)}-${++sourceCounter}`;
      const res = await post('police-haishu', '/v1/signals', {
        sourceId,
        category: 'ONLINE_SELF_HARM_RISK',
        severity: 'HIGH',
        observedAt: new Date(clock.now().getTime() - 3600_000).toISOString(),
        officer: 'PC-0417',
        note: 'Posted about ending it on a video platform at 23:10; account traced to the family address.',
        child: { residentId, localId: `HZ-${sourceCounter}` },
        ...fields,
      });
      expect(res.status).toBe(202);
      return sourceId;
    }

    const schoolSignals = async (token: string) =>
      (await gql<{ signals: { items: Array<Record<string, unknown>> } }>(hub.fetch, token, `{ signals(first: 100) { items { ${SCHOOL_SIGNAL_FIELDS} } } }`))
        .data?.signals.items ?? [];
    const policeSignals = async () =>
      (
        await gql<{ policeSignals: { items: Array<Record<string, unknown>> } }>(
          hub.fetch,
          police,
          `{ policeSignals(first: 100) { items { ${POLICE_FIELDS} } } }`,
        )
      ).data!.policeSignals.items;
    const routedTo = (token: string, sourceOrSubject: (s: Record<string, unknown>) => boolean) =>
      eventually(async () => (await schoolSignals(token)).find(sourceOrSubject), { what: 'the signal at the school' });

    describe('enrolment', () => {
      it('enrols children under pseudonyms derived from their numbers, refuses numbers that do not check, and changes nothing when sent again', async () => {
        const good = inventedResidentId();
        const other = inventedResidentId();
        numbersUsed.push(good, other);
        const today = clock.now().toISOString().slice(0, 10);
        const changes = [
          { studentNumber: 'E-reg-1', residentId: good, change: 'ENROLLED', grade: 7, classRef: '7-3', on: today },
          { studentNumber: 'E-reg-2', residentId: other.toLowerCase(), change: 'ENROLLED', grade: 7, classRef: '7-3', on: today },
          { studentNumber: 'E-reg-3', residentId: withWrongCheckCharacter(inventedResidentId()), change: 'ENROLLED', grade: 7, classRef: '7-1', on: today },
          { studentNumber: 'E-reg-4', residentId: '33020320150230153X', change: 'ENROLLED', grade: 7, classRef: '7-1', on: today },
          { studentNumber: 'E-reg-5', residentId: '3302032015', change: 'ENROLLED', grade: 7, classRef: '7-1', on: today },
          { studentNumber: 'E-reg-6', change: 'ENROLLED', grade: 7, classRef: '7-1', on: today },
        ];
        const res = await post('school-east', '/v1/enrolments', { changes });
        expect(res.status).toBe(202);
        const answer = (await res.json()) as { batchId: string; accepted: number; rejected: Array<{ line: number; code: string; reason: string }> };
        expect(answer).toEqual({
          batchId: expect.any(String) as string,
          accepted: 2,
          rejected: [
            { line: 3, code: 'RESIDENT_ID_INVALID', reason: 'the check character of the resident identity number is wrong' },
            { line: 4, code: 'RESIDENT_ID_INVALID', reason: 'the birth date in the resident identity number is not a calendar date' },
            { line: 5, code: 'RESIDENT_ID_INVALID', reason: 'the resident identity number is not 18 characters long' },
            { line: 6, code: 'REQUIRED', reason: 'an enrolment needs the resident identity number' },
          ],
        });
        const [applied] = await fromInbox('school-east', 'enrolment-applied', (p) => p.batchId === answer.batchId);
        const enrolled = applied!.enrolled as Array<{ line: number; studentNumber: string; pseudonym: string }>;
        expect(enrolled.map((e) => e.studentNumber)).toEqual(['E-reg-1', 'E-reg-2']);
        for (const e of enrolled) expect(e.pseudonym).toMatch(/^subj-[a-z2-7]{16}$/);

        const students = await gql<{ students: { items: Array<{ id: string; grade: number; classRef: string; localRef: string }> } }>(
          hub.fetch,
          teacher,
          '{ students(first: 100) { items { id grade classRef localRef } } }',
        );
        expect(students.data!.students.items).toContainEqual({ id: enrolled[0]!.pseudonym, grade: 7, classRef: '7-3', localRef: 'E-reg-1' });

        // The same register again: the same children, nothing new.
        const again = (await (await post('school-east', '/v1/enrolments', { changes: changes.slice(0, 2) })).json()) as { batchId: string };
        const [unchanged] = await fromInbox('school-east', 'enrolment-applied', (p) => p.batchId === again.batchId);
        expect(unchanged).toMatchObject({ enrolled: [], unchanged: 2 });

        // What only the hub can refuse, each line with its code: a leaver it does not know, a number another child
        // holds, a date ahead of its clock.
        const third = inventedResidentId();
        const fourth = inventedResidentId();
        numbersUsed.push(third, fourth);
        const tomorrow = new Date(clock.now().getTime() + 86_400_000).toISOString().slice(0, 10);
        const refused = await post('school-east', '/v1/enrolments', {
          changes: [
            { studentNumber: 'E-reg-none', change: 'LEFT', grade: 7, classRef: '7-3', on: today },
            { studentNumber: 'E-reg-1', residentId: third, change: 'ENROLLED', grade: 7, classRef: '7-3', on: today },
            { studentNumber: 'E-reg-6', residentId: fourth, change: 'ENROLLED', grade: 7, classRef: '7-3', on: tomorrow },
          ],
        });
        const { batchId } = (await refused.json()) as { batchId: string };
        const [byHub] = await fromInbox('school-east', 'enrolment-applied', (p) => p.batchId === batchId);
        expect(byHub).toMatchObject({
          enrolled: [],
          left: 0,
          rejected: [
            { line: 1, code: 'UNKNOWN_STUDENT', reason: 'no student with this number is enrolled at the school' },
            { line: 2, code: 'STUDENT_NUMBER_TAKEN', reason: 'the student number belongs to another child enrolled at the school' },
            { line: 3, code: 'IN_THE_FUTURE', reason: 'the enrolment date lies in the future' },
          ],
        });
      });

      it('moves a child to another school (a new stage) only when the school they are enrolled at releases them, and keeps one history', async () => {
        const child = await enrol('school-east', inventedResidentId(), 9, '9-1');
        const asked = await requestTransfer(child, 'school-west', 10, '10-4');
        // Until the old school releases the child, the new school has no pseudonym and sees nothing.
        expect(asked).toMatchObject({ enrolled: [], pending: [{ line: 1 }] });
        const westStudents = async () =>
          (
            await gql<{ students: { items: Array<{ id: string }> } }>(hub.fetch, westTeacher, '{ students(first: 100) { items { id } } }')
          ).data!.students.items.map((x) => x.id);
        expect(await westStudents()).not.toContain(child.subjectId);
        const [request] = await fromInbox('school-east', 'enrolment-transfer-requested', (p) => p.pseudonym === child.subjectId);
        expect(request).toMatchObject({ studentNumber: child.studentNumber, toSchoolAgencyId: 'school-west' });

        await release(child);
        const [completed] = await fromInbox('school-west', 'enrolment-transfer-completed', (p) => p.pseudonym === child.subjectId);
        expect(completed).toMatchObject({ studentNumber: asked.studentNumber });
        expect(await westStudents()).toContain(child.subjectId);

        const history = await gql<{ enrolmentHistory: Array<Record<string, unknown>> }>(
          hub.fetch,
          westTeacher,
          'query($s: ID!) { enrolmentHistory(subjectId: $s) { schoolAgencyId grade classRef until } }',
          { s: child.subjectId },
        );
        const today = clock.now().toISOString().slice(0, 10);
        expect(history.data!.enrolmentHistory).toEqual([
          { schoolAgencyId: 'school-east', grade: 9, classRef: '9-1', until: today },
          { schoolAgencyId: 'school-west', grade: 10, classRef: '10-4', until: null },
        ]);
        // The school the child left no longer sees them, nor their history.
        const old = await gql(hub.fetch, teacher, 'query($s: ID!) { enrolmentHistory(subjectId: $s) { schoolAgencyId } }', { s: child.subjectId });
        expect(errorCode(old)).toBe('NOT_FOUND');
        const eastStudents = await gql<{ students: { items: Array<{ id: string }> } }>(hub.fetch, teacher, '{ students(first: 100) { items { id } } }');
        expect(eastStudents.data!.students.items.map((x) => x.id)).not.toContain(child.subjectId);
      });

      it('does not hand a child, or the child’s signals, to a school that merely knows the number', async () => {
        const child = await enrol('school-east');
        await requestTransfer(child, 'school-west', 8, '8-9');
        await raise(child.residentId, { category: 'DOMESTIC_VIOLENCE_EXPOSURE' });
        const routed = await routedTo(teacher, (x) => x.subjectId === child.subjectId);
        expect(routed).toMatchObject({ schoolAgencyId: 'school-east' });
        expect((await schoolSignals(westTeacher)).filter((x) => x.subjectId === child.subjectId)).toEqual([]);
        const history = await gql(hub.fetch, westTeacher, 'query($s: ID!) { enrolmentHistory(subjectId: $s) { schoolAgencyId } }', { s: child.subjectId });
        expect(errorCode(history)).toBe('NOT_FOUND');
      });

      it('refuses the register door without a credential, with another agency’s, and with hostile bodies', async () => {
        const body = { changes: [{ studentNumber: 'E-x', residentId: inventedResidentId(), change: 'ENROLLED', grade: 7, classRef: '7-1', on: '2026-09-01' }] };
        expect((await post('school-east', '/v1/enrolments', body, null)).status).toBe(401);
        expect((await post('school-east', '/v1/enrolments', body, connectorKeys.get('school-west'))).status).toBe(401);
        expect((await post('school-east', '/v1/enrolments', '{"changes": [')).status).toBe(400);
        expect((await post('school-east', '/v1/enrolments', { changes: [{ ...body.changes[0], classRef: "7'; DROP TABLE subjects;--" }] })).status).toBe(400);
        const tooMany = { changes: Array.from({ length: 501 }, () => body.changes[0]) };
        expect((await post('school-east', '/v1/enrolments', tooMany)).status).toBe(400);
        // A student number or class may not carry a resident identity number past the linkage.
        const smuggled = `G${inventedResidentId()}`;
        const refused = await post('school-east', '/v1/enrolments', { changes: [{ ...body.changes[0], studentNumber: smuggled }] });
        expect(refused.status).toBe(400);
        expect(await refused.text()).not.toContain(smuggled);
        expect((await post('school-east', '/v1/enrolments', { changes: [{ ...body.changes[0], classRef: inventedResidentId().slice(0, 17) }] })).status).toBe(
          400,
        );
      });
    });

    describe('signals', () => {
      it('routes a signal to the school the child is enrolled in: category and severity for the psychology teacher, a bare flag for the mentor, the status for the police', async () => {
        const child = await enrol();
        await gql(hub.fetch, teacher, 'mutation($s: ID!) { assignCarer(subjectId: $s, userId: "mentor-wang", role: MENTOR) }', { s: child.subjectId });
        const sourceId = await raise(child.residentId);

        const seen = await routedTo(teacher, (s) => s.subjectId === child.subjectId);
        expect(seen).toMatchObject({ sourceId: null, category: 'ONLINE_SELF_HARM_RISK', severity: 'HIGH', state: 'ROUTED', hasNote: true, overdue: false });
        const due = new Date(seen.acknowledgeBy as string).getTime() - clock.now().getTime();
        expect(due).toBeGreaterThan(23 * 3600_000);
        expect(due).toBeLessThanOrEqual(24 * 3600_000);

        const [notice] = await fromInbox('school-east', 'signal-notice', (p) => p.subjectId === child.subjectId);
        expect(Object.keys(notice!).sort()).toEqual(['acknowledgeBy', 'category', 'episodeId', 'severity', 'signalId', 'subjectId']);

        const flag = await gql<{ myStudents: { items: Array<Record<string, unknown>> } }>(
          hub.fetch,
          mentor,
          '{ myStudents(first: 100) { items { subjectId handleWithCare } } }',
        );
        expect(flag.data!.myStudents.items).toContainEqual({ subjectId: child.subjectId, handleWithCare: true });
        // The mentor sees no signal at all, not even that one exists.
        expect(await schoolSignals(mentor)).toEqual([]);
        expect(errorCode(await gql(hub.fetch, mentor, '{ signals { items { id } } }'))).toBe('FORBIDDEN');

        const mine = (await policeSignals()).find((s) => s.sourceId === sourceId);
        expect(mine).toEqual({
          id: seen.id,
          sourceId,
          state: 'ROUTED',
          overdue: false,
          acknowledgedAt: null,
          actions: [],
          category: null,
          severity: null,
          subjectId: null,
          schoolAgencyId: null,
        });
        const [status] = await fromInbox('police-haishu', 'signal-status', (p) => p.sourceId === sourceId && p.status === 'ROUTED');
        expect(status).toMatchObject({ signalId: seen.id });

        // Another school sees nothing of it, answered as for a signal that does not exist.
        const west = await gql<{ signal: unknown }>(hub.fetch, westTeacher, 'query($id: ID!) { signal(id: $id) { id } }', { id: seen.id });
        expect(west.data!.signal).toBeNull();
        const missing = await gql<{ signal: unknown }>(hub.fetch, westTeacher, 'query($id: ID!) { signal(id: $id) { id } }', { id: 'sig-nothing' });
        expect(missing).toEqual(west);
      });

      it('takes the same source id twice as one signal, and groups signals about one child within the window into one episode', async () => {
        const child = await enrol();
        const sourceId = await raise(child.residentId, { severity: 'MEDIUM' });
        await raise(child.residentId, { sourceId, severity: 'MEDIUM' });
        await raise(child.residentId, { category: 'MISSING_CHILD', severity: 'LOW' });
        const both = await eventually(async () => {
          const mine = (await schoolSignals(teacher)).filter((s) => s.subjectId === child.subjectId);
          return mine.length >= 2 && mine;
        });
        await new Promise((r) => setTimeout(r, 300));
        const mine = (await schoolSignals(teacher)).filter((s) => s.subjectId === child.subjectId);
        expect(mine).toHaveLength(2);
        expect(new Set(both.map((s) => s.episodeId)).size).toBe(1);
      });

      it('holds a signal about a child no school has enrolled in the district bureau’s queue, without names, and routes it once the child is enrolled', async () => {
        const residentId = inventedResidentId();
        const sourceId = await raise(residentId, { severity: 'CRITICAL', category: 'MISSING_CHILD' });
        const queued = await eventually(async () => {
          const page = await gql<{ unmatchedSignals: { items: Array<Record<string, unknown>> } }>(
            hub.fetch,
            bureau,
            '{ unmatchedSignals(first: 100) { items { id policeAgencyId category severity state subjectId schoolAgencyId sourceId } } }',
          );
          return page.data!.unmatchedSignals.items.find((s) => s.category === 'MISSING_CHILD' && s.severity === 'CRITICAL' && s.state === 'UNMATCHED');
        });
        expect(queued).toMatchObject({ policeAgencyId: 'police-haishu', subjectId: null, schoolAgencyId: null, sourceId: null });
        const [status] = await fromInbox('police-haishu', 'signal-status', (p) => p.sourceId === sourceId && p.status === 'UNMATCHED');
        expect(status).toBeDefined();
        // Another district's bureau does not see it; nor does any school.
        const other = await gql<{ unmatchedSignals: { items: Array<{ id: string }> } }>(
          hub.fetch,
          westBureau,
          '{ unmatchedSignals(first: 100) { items { id } } }',
        );
        expect(other.data!.unmatchedSignals.items.map((s) => s.id)).not.toContain(queued.id);
        expect((await schoolSignals(teacher)).map((s) => s.id)).not.toContain(queued.id);
        // A school or the police asking for the queue learn nothing of it, not even a cursor: an empty district's answer.
        for (const token of [teacher, police])
          expect((await gql(hub.fetch, token, '{ unmatchedSignals(first: 1) { items { id } endCursor hasMore } }')).data).toEqual({
            unmatchedSignals: { items: [], endCursor: null, hasMore: false },
          });

        const child = await enrol('school-east', residentId);
        const routed = await routedTo(teacher, (s) => s.id === queued.id);
        expect(routed).toMatchObject({ subjectId: child.subjectId, state: 'ROUTED', severity: 'CRITICAL' });
        await fromInbox('police-haishu', 'signal-status', (p) => p.sourceId === sourceId && p.status === 'ROUTED');
      });

      it('sends a later signal to the school the child transferred to', async () => {
        const child = await enrol('school-east');
        await requestTransfer(child, 'school-west', 10, '10-1');
        await release(child);
        await fromInbox('school-west', 'enrolment-transfer-completed', (p) => p.pseudonym === child.subjectId);
        await raise(child.residentId, { category: 'BULLYING_OR_CRIME_VICTIM' });
        const routed = await routedTo(westTeacher, (s) => s.subjectId === child.subjectId);
        expect(routed).toMatchObject({ schoolAgencyId: 'school-west', category: 'BULLYING_OR_CRIME_VICTIM' });
        expect((await schoolSignals(teacher)).filter((s) => s.subjectId === child.subjectId)).toEqual([]);
      });

      it('puts the signals that waited while a child was out of school into the child’s episode once the child is enrolled again', async () => {
        const daysAgo = (d: number) => new Date(clock.now().getTime() - d * 86_400_000).toISOString();
        const episodesOf = async (sourceIds: string[]) =>
          new Map(
            (
              await hub.sql.query<{ source_id: string; episode_id: string; state: string }>(
                'SELECT source_id, episode_id, state FROM signals WHERE source_id = ANY($1::text[])',
                [sourceIds],
              )
            ).map((r) => [r.source_id, r]),
          );
        const child = await enrol('school-east');
        const before = await raise(child.residentId, { observedAt: daysAgo(3) });
        await routedTo(teacher, (s) => s.subjectId === child.subjectId);
        await release(child);
        const waited = [await raise(child.residentId, { observedAt: daysAgo(1) }), await raise(child.residentId, { observedAt: daysAgo(0.1) })];
        const queued = await eventually(async () => {
          const found = await episodesOf(waited);
          return found.size === 2 && [...found.values()].every((r) => r.state === 'UNMATCHED') && found;
        });
        // Waiting, they share an episode of their own: the child's earlier signal is not in the queue.
        const first = (await episodesOf([before])).get(before)!.episode_id;
        expect(queued.get(waited[0]!)!.episode_id).toBe(queued.get(waited[1]!)!.episode_id);
        expect(queued.get(waited[0]!)!.episode_id).not.toBe(first);

        await enrol('school-west', child.residentId);
        const routed = await eventually(async () => {
          const found = await episodesOf(waited);
          return [...found.values()].every((r) => r.state === 'ROUTED') && found;
        });
        for (const sourceId of waited) expect(routed.get(sourceId)!.episode_id).toBe(first);
      });

      it('lets the school acknowledge with what it did, shows the police only the categories, and carries police guidance back to the school', async () => {
        const child = await enrol();
        const sourceId = await raise(child.residentId);
        const signal = await routedTo(teacher, (s) => s.subjectId === child.subjectId);
        const ack = await gql<{ acknowledgeSignal: Record<string, unknown> }>(
          hub.fetch,
          teacher,
          'mutation($id: ID!, $i: AcknowledgeSignalInput!) { acknowledgeSignal(id: $id, input: $i) { state actions acknowledgement { actions note } } }',
          { id: signal.id, i: { actions: ['TALK', 'HOME_VISIT'], note: 'Talked with the child; mother met at home the same evening.' } },
        );
        expect(ack.data!.acknowledgeSignal).toMatchObject({ state: 'ACKNOWLEDGED', actions: ['TALK', 'HOME_VISIT'] });
        const twice = await gql(hub.fetch, teacher, 'mutation($id: ID!) { acknowledgeSignal(id: $id, input: { actions: [TALK] }) { state } }', {
          id: signal.id,
        });
        expect(errorCode(twice)).toBe('INVALID_TRANSITION');

        const [status] = await fromInbox('police-haishu', 'signal-status', (p) => p.sourceId === sourceId && p.status === 'ACKNOWLEDGED');
        expect(status).toMatchObject({ actions: ['TALK', 'HOME_VISIT'] });
        expect(JSON.stringify(status)).not.toContain('mother');
        expect((await policeSignals()).find((s) => s.sourceId === sourceId)).toMatchObject({ state: 'ACKNOWLEDGED', actions: ['TALK', 'HOME_VISIT'] });

        // Guidance from the police system through its connector, and from an analyst through GraphQL.
        expect(
          (
            await post('police-haishu', '/v1/signals/guidance', {
              sourceId,
              text: 'Keep the phone with the parents at night for two weeks.',
              givenBy: 'PC-0417',
            })
          ).status,
        ).toBe(202);
        const [forwarded] = await fromInbox('school-east', 'signal-guidance', (p) => p.signalId === signal.id);
        expect(forwarded).toMatchObject({ text: 'Keep the phone with the parents at night for two weeks.' });
        const byAnalyst = await gql<{ sendSignalGuidance: Record<string, unknown> }>(
          hub.fetch,
          police,
          'mutation($id: ID!) { sendSignalGuidance(id: $id, text: "The cyber unit has asked the platform to remove the posts.") { state category } }',
          { id: signal.id },
        );
        expect(byAnalyst.data!.sendSignalGuidance).toEqual({ state: 'ACKNOWLEDGED', category: null });
        const withGuidance = await eventually(async () =>
          (await schoolSignals(teacher)).find((s) => s.id === signal.id && (s.guidance as unknown[]).length === 2),
        );
        expect((withGuidance.guidance as Array<{ text: string }>).map((g) => g.text)).toEqual([
          'Keep the phone with the parents at night for two weeks.',
          'The cyber unit has asked the platform to remove the posts.',
        ]);
        // A school cannot pose as the police, nor the police as the school: both know the signal, so FORBIDDEN; a
        // school the signal was not routed to may not learn it exists.
        expect(
          errorCode(
            await gql(hub.fetch, teacher, 'mutation($id: ID!) { sendSignalGuidance(id: $id, text: "Forged guidance text") { state } }', { id: signal.id }),
          ),
        ).toBe('FORBIDDEN');
        expect(
          errorCode(await gql(hub.fetch, police, 'mutation($id: ID!) { acknowledgeSignal(id: $id, input: { actions: [TALK] }) { state } }', { id: signal.id })),
        ).toBe('FORBIDDEN');
        expect(
          errorCode(
            await gql(hub.fetch, westTeacher, 'mutation($id: ID!) { acknowledgeSignal(id: $id, input: { actions: [TALK] }) { state } }', { id: signal.id }),
          ),
        ).toBe('NOT_FOUND');
      });

      it('answers guidance about a signal the hub does not know in the police inbox, instead of dropping it silently', async () => {
        const sourceId = `PS-unknown-${Date.now().toString(36)}`;
        expect((await post('police-haishu', '/v1/signals/guidance', { sourceId, text: 'Guidance for nothing.', givenBy: 'PC-9' })).status).toBe(202);
        const [refused] = await fromInbox('police-haishu', 'signal-status', (p) => p.sourceId === sourceId);
        expect(refused).toMatchObject({ status: 'REFUSED', reason: 'NOT_FOUND', signalId: null });
      });

      it('escalates a missed deadline to the district bureau, and the police see the signal overdue', async () => {
        const child = await enrol();
        const sourceId = await raise(child.residentId, { severity: 'CRITICAL' });
        const signal = await routedTo(teacher, (s) => s.subjectId === child.subjectId);
        expect(await hub.signals.escalateOverdue()).toBe(0);
        offsetMs += 61 * 60_000;
        try {
          // Tokens of the people who look an hour later.
          const bureauLater = await tokenFor(hub.keyRing, 'bureau-haishu', 'bureau-analyst', { clock });
          const westBureauLater = await tokenFor(hub.keyRing, 'bureau-yinzhou', 'bureau-analyst', { clock });
          const policeLater = await tokenFor(hub.keyRing, 'police-haishu', 'police-analyst', { clock });
          expect(await hub.signals.escalateOverdue()).toBeGreaterThanOrEqual(1);
          const escalated = await gql<{ signalEscalations: { items: Array<Record<string, unknown>> } }>(
            hub.fetch,
            bureauLater,
            '{ signalEscalations(first: 100) { items { id schoolAgencyId category severity escalatedAt subjectId } } }',
          );
          expect(escalated.data!.signalEscalations.items).toContainEqual(
            expect.objectContaining({ id: signal.id, schoolAgencyId: 'school-east', severity: 'CRITICAL', subjectId: null }),
          );
          const west = await gql<{ signalEscalations: { items: Array<{ id: string }> } }>(hub.fetch, westBureauLater, '{ signalEscalations { items { id } } }');
          expect(west.data!.signalEscalations.items.map((s) => s.id)).not.toContain(signal.id);
          const teacherLater = await tokenFor(hub.keyRing, 'school-east', 'psychology-teacher', { clock });
          for (const token of [teacherLater, policeLater])
            expect((await gql(hub.fetch, token, '{ signalEscalations(first: 1) { items { id } endCursor hasMore } }')).data).toEqual({
              signalEscalations: { items: [], endCursor: null, hasMore: false },
            });
          const later = await gql<{ policeSignals: { items: Array<Record<string, unknown>> } }>(
            hub.fetch,
            policeLater,
            '{ policeSignals(first: 100) { items { sourceId overdue state } } }',
          );
          expect(later.data!.policeSignals.items.find((s) => s.sourceId === sourceId)).toMatchObject({ overdue: true, state: 'ROUTED' });
          await fromInbox('police-haishu', 'signal-status', (p) => p.sourceId === sourceId && p.status === 'OVERDUE');
          // Once only.
          expect(await hub.signals.escalateOverdue()).toBe(0);
        } finally {
          offsetMs -= 61 * 60_000;
        }
      });

      it('opens the police note only on a lawful basis the policy recognises, and records every opening', async () => {
        const child = await enrol();
        await raise(child.residentId, { category: 'ONLINE_SELF_HARM_RISK' });
        await raise(child.residentId, { category: 'BULLYING_OR_CRIME_VICTIM', note: 'Beaten by three older pupils near the east gate on two evenings.' });
        const selfHarm = await routedTo(teacher, (s) => s.subjectId === child.subjectId && s.category === 'ONLINE_SELF_HARM_RISK');
        const bullying = await routedTo(teacher, (s) => s.subjectId === child.subjectId && s.category === 'BULLYING_OR_CRIME_VICTIM');
        const open = (token: string, id: unknown, basis: string, justification = 'Planning the intervention with the class teacher.') =>
          gql<{ openSignalNote: { text: string; basis: string } }>(
            hub.fetch,
            token,
            'mutation($id: ID!, $i: OpenSignalNoteInput!) { openSignalNote(id: $id, input: $i) { text basis } }',
            { id, i: { basis, justification } },
          );

        const refused = await open(teacher, selfHarm.id, 'STATUTORY_DUTY');
        expect(errorCode(refused)).toBe('FORBIDDEN');
        expect(refused.errors![0]!.extensions!.reasons).toEqual([
          'the statutory duty opens the police note only for domestic violence, bullying or crimes against the child',
        ]);
        // Why not, in plain words and in both languages, naming the rule and what is missing, not the note.
        expect(refused.errors![0]!.extensions).toMatchObject({
          rule: 'signal.open-note',
          explanation: {
            en: ['the statutory duty opens the police note only for domestic violence, bullying or crimes against the child'],
            'zh-CN': ['法定职责仅适用于家庭暴力、欺凌或针对儿童的违法犯罪类信号，其他类别的警方备注须有监护人同意或紧急情况。'],
          },
        });
        expect(errorCode(await open(teacher, selfHarm.id, 'CONSENT'))).toBe('FORBIDDEN');
        expect(errorCode(await open(teacher, selfHarm.id, 'EMERGENCY'))).toBe('FORBIDDEN');
        expect(errorCode(await open(teacher, bullying.id, 'STATUTORY_DUTY', 'short'))).toBe('BAD_USER_INPUT');
        // The policy obliges a written justification for opening the note.
        const unjustified = await gql(hub.fetch, teacher, 'mutation($id: ID!) { openSignalNote(id: $id, input: { basis: STATUTORY_DUTY }) { text } }', {
          id: bullying.id,
        });
        expect(unjustified.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'justification' });
        expect(errorCode(await open(westTeacher, bullying.id, 'STATUTORY_DUTY'))).toBe('NOT_FOUND');
        expect(errorCode(await open(mentor, bullying.id, 'STATUTORY_DUTY'))).toBe('NOT_FOUND');

        const opened = await open(teacher, bullying.id, 'STATUTORY_DUTY');
        expect(opened.data!.openSignalNote).toEqual({ text: 'Beaten by three older pupils near the east gate on two evenings.', basis: 'STATUTORY_DUTY' });
        const openings = await hub.sql.query<{ opened_by_user: string; basis: string; justification: string }>(
          'SELECT opened_by_user, basis, justification FROM signal_note_openings WHERE signal_id = $1',
          [bullying.id],
        );
        expect(openings).toHaveLength(1);
        expect(openings[0]).toMatchObject({ opened_by_user: 'teacher-chen', basis: 'STATUTORY_DUTY' });
        expect(openings[0]!.justification).toMatch(/^enc:v1:/);
        const audited = await hub.sql.query<{ allowed: boolean }>("SELECT allowed FROM audit_log WHERE action = 'signal.open-note' AND resource_id = $1", [
          selfHarm.id,
        ]);
        expect(audited.map((a) => a.allowed)).toEqual([false, false, false]);
      });

      it('refuses the police door without a credential, with another agency’s, and with hostile input, never echoing a number', async () => {
        const body = {
          sourceId: 'PS-hostile',
          category: 'OTHER',
          severity: 'LOW',
          observedAt: '2026-11-30T08:00:00+08:00',
          officer: 'PC-1',
          child: { residentId: inventedResidentId(), localId: 'HZ-1' },
        };
        expect((await post('police-haishu', '/v1/signals', body, null)).status).toBe(401);
        expect((await post('police-haishu', '/v1/signals', body, connectorKeys.get('school-east'))).status).toBe(401);
        expect((await post('police-haishu', '/v1/signals', '{"sourceId":')).status).toBe(400);
        expect((await post('police-haishu', '/v1/signals', { ...body, category: 'SOMETHING' })).status).toBe(400);
        expect((await post('police-haishu', '/v1/signals', { ...body, note: 'a\u202Eb' })).status).toBe(400);
        for (const observedAt of ['0000-01-01T00:00:00Z', '1999-12-31T23:59:59+08:00', new Date(clock.now().getTime() + 3600_000).toISOString()])
          expect((await post('police-haishu', '/v1/signals', { ...body, observedAt })).status).toBe(400);
        for (const field of ['sourceId', 'officer'])
          expect((await post('police-haishu', '/v1/signals', { ...body, [field]: inventedResidentId().slice(0, 17) })).status).toBe(400);
        expect(
          (await post('police-haishu', '/v1/signals', { ...body, child: { residentId: body.child.residentId, localId: `P${inventedResidentId()}` } })).status,
        ).toBe(400);
        const wrong = withWrongCheckCharacter(inventedResidentId());
        const refused = await post('police-haishu', '/v1/signals', { ...body, child: { residentId: wrong, localId: 'HZ-1' } });
        expect(refused.status).toBe(400);
        const text = await refused.text();
        expect(text).toContain('check character');
        expect(text).not.toContain(wrong);
        // A school's person cannot read the police view, nor the police the school's.
        expect(errorCode(await gql(hub.fetch, null, '{ policeSignals { items { id } } }'))).toBe('UNAUTHENTICATED');
        const schoolAsPolice = await gql<{ policeSignals: { items: unknown[] } }>(hub.fetch, teacher, '{ policeSignals { items { id } } }');
        expect(schoolAsPolice.data!.policeSignals.items).toEqual([]);
        const policeAsSchool = await gql<{ signals: { items: unknown[] } }>(hub.fetch, police, '{ signals { items { id } } }');
        expect(policeAsSchool.data!.signals.items).toEqual([]);
      });
    });

    describe('batches of signals', () => {
      /** One signal as a police system's export carries it. */
      const exported = (residentId: string, fields: Record<string, unknown> = {}) => {
        numbersUsed.push(residentId);
        return {
          sourceId: `PB-${Date.now().toString(36)}-${++sourceCounter}`,
          category: 'ONLINE_SELF_HARM_RISK',
          severity: 'HIGH',
          observedAt: new Date(clock.now().getTime() - 3600_000).toISOString(),
          officer: 'PC-0417',
          note: 'Searched for ways to hurt herself late at night.',
          child: { residentId, localId: `HZ-b${sourceCounter}` },
          ...fields,
        };
      };
      const sendBatch = async (signals: unknown[]) => {
        const res = await post('police-haishu', '/v1/signals/batch', { signals });
        return { status: res.status, text: await res.text() };
      };
      const statusesOf = async (sourceIds: string[]) => {
        const found = await fromInbox('police-haishu', 'signal-status', (p) => sourceIds.includes(p.sourceId as string), sourceIds.length);
        return new Map(found.map((f) => [f.sourceId as string, f]));
      };

      it('takes a police export in one call: each signal routed, queued, deduplicated and placed in its episode as if sent alone; bad ones answered by line', async () => {
        const a = await enrol();
        const b = await enrol();
        const unknownChild = inventedResidentId();
        const earlier = await raise(a.residentId, { severity: 'MEDIUM' });
        const wrong = withWrongCheckCharacter(inventedResidentId());
        const signals = [
          exported(a.residentId, { note: 'First of two about this child.' }),
          exported(a.residentId, { severity: 'MEDIUM', observedAt: new Date(clock.now().getTime() - 1800_000).toISOString() }),
          exported(b.residentId, { severity: 'CRITICAL', category: 'BULLYING_OR_CRIME_VICTIM' }),
          exported(unknownChild, { category: 'MISSING_CHILD', severity: 'LOW' }),
          exported(wrong),
          exported(inventedResidentId(), { observedAt: new Date(clock.now().getTime() + 3600_000).toISOString() }),
          exported(inventedResidentId(), { category: 'SOMETHING' }),
          exported(a.residentId, { sourceId: earlier }),
        ];
        signals.push({ ...signals[2]!, severity: 'LOW' });
        const sent = await sendBatch(signals);
        expect(sent.status).toBe(202);
        expect(JSON.parse(sent.text)).toEqual({
          accepted: 6,
          rejected: [
            { line: 5, field: 'child.residentId', code: 'RESIDENT_ID_INVALID', reason: 'the check character of the resident identity number is wrong' },
            { line: 6, field: 'observedAt', code: 'IN_THE_FUTURE', reason: 'observedAt lies in the future' },
            { line: 7, field: 'category', code: 'INVALID_VALUE', reason: expect.any(String) as string },
          ],
        });
        expect(sent.text).not.toContain(wrong);

        const ids = (i: number) => (signals[i] as { sourceId: string }).sourceId;
        const statuses = await statusesOf([ids(0), ids(1), ids(2), ids(3)]);
        expect([0, 1, 2, 3].map((i) => statuses.get(ids(i))?.status)).toEqual(['ROUTED', 'ROUTED', 'ROUTED', 'UNMATCHED']);
        const notices = await fromInbox('school-east', 'signal-notice', (p) => [a.subjectId, b.subjectId].includes(p.subjectId as string), 3);
        const atSchool = await eventually(async () => {
          const all = (await schoolSignals(teacher)).filter((s) => [a.subjectId, b.subjectId].includes(s.subjectId as string));
          return all.length >= 4 && all;
        });
        // The earlier signal, the resent source id (ignored) and two new ones for child a; the second line about b ignored.
        const ofA = atSchool.filter((s) => s.subjectId === a.subjectId);
        expect(ofA).toHaveLength(3);
        expect(new Set(ofA.map((s) => s.episodeId)).size).toBe(1);
        const ofB = atSchool.filter((s) => s.subjectId === b.subjectId);
        expect(ofB).toMatchObject([{ category: 'BULLYING_OR_CRIME_VICTIM', severity: 'CRITICAL', state: 'ROUTED', hasNote: true }]);
        const due = new Date(ofB[0]!.acknowledgeBy as string).getTime() - clock.now().getTime();
        expect(due).toBeLessThanOrEqual(3600_000);
        expect(notices.map((n) => n.signalId).sort()).toEqual([...ofA.filter((s) => s.sourceId !== earlier), ...ofB].map((s) => s.id).sort());
        const queued = await gql<{ unmatchedSignals: { items: Array<Record<string, unknown>> } }>(
          hub.fetch,
          bureau,
          '{ unmatchedSignals(first: 100) { items { id category severity } } }',
        );
        expect(queued.data!.unmatchedSignals.items.find((s) => s.id === statuses.get(ids(3))!.signalId)).toMatchObject({
          category: 'MISSING_CHILD',
        });

        // The note is sealed at rest with the data keys and opens on a lawful basis, like a note sent alone.
        const first = ofA.find((s) => s.id === statuses.get(ids(0))!.signalId)!;
        const [row] = await hub.sql.query<{ note: string }>('SELECT note FROM signals WHERE id = $1', [first.id]);
        expect(row!.note).toMatch(/^enc:v1:/);
        const opened = await gql<{ openSignalNote: { text: string } }>(
          hub.fetch,
          teacher,
          'mutation($id: ID!) { openSignalNote(id: $id, input: { basis: STATUTORY_DUTY, justification: "Planning the talk with the class teacher." }) { text } }',
          { id: ofB[0]!.id },
        );
        expect(opened.data!.openSignalNote.text).toBe('Searched for ways to hurt herself late at night.');

        // The same export again: nothing new, and no new status for the police. Known to be applied once the hub has
        // claimed its event; a later signal's status then arrives after any status it could have sent (one bus key).
        const claimed = async () =>
          Number((await hub.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM processed_events WHERE consumer = 'hub.signal'`))[0]?.n);
        const claimedBefore = await claimed();
        const resentAt = new Date().toISOString();
        expect((await sendBatch(signals)).status).toBe(202);
        await eventually(async () => (await claimed()) > claimedBefore, { what: 'the export sent again, applied' });
        const marker = exported(inventedResidentId());
        expect((await sendBatch([marker])).status).toBe(202);
        await statusesOf([marker.sourceId]);
        const sentIds = signals.map((s) => (s as { sourceId: string }).sourceId);
        const since = (await fromInboxNow('police-haishu', (p) => sentIds.includes(p.sourceId as string))).filter((i) => i.receivedAt >= resentAt);
        expect(since).toEqual([]);
        expect((await schoolSignals(teacher)).filter((s) => [a.subjectId, b.subjectId].includes(s.subjectId as string))).toHaveLength(4);
      });

      it("places a batch's signals among a child's older episodes by their own time: each joins the newest signal within its window, not the child's newest", async () => {
        const DAY = 86_400_000;
        const daysAgo = (d: number) => new Date(clock.now().getTime() - d * DAY).toISOString();
        const enrolled = await enrol();
        const unknownChild = inventedResidentId();
        // Two episodes on record for each child, four weeks apart (the window is 14 days either side).
        const history: string[] = [];
        for (const residentId of [enrolled.residentId, unknownChild])
          history.push(await raise(residentId, { observedAt: daysAgo(40) }), await raise(residentId, { observedAt: daysAgo(12) }));
        const episodesOf = async (sourceIds: string[]) =>
          new Map(
            (
              await hub.sql.query<{ source_id: string; episode_id: string }>('SELECT source_id, episode_id FROM signals WHERE source_id = ANY($1::text[])', [
                sourceIds,
              ])
            ).map((r) => [r.source_id, r.episode_id]),
          );
        await eventually(async () => (await episodesOf(history)).size === 4, { what: 'the signals on record' });
        const signals = [enrolled.residentId, unknownChild].flatMap((residentId) => [
          exported(residentId, { observedAt: daysAgo(33) }),
          exported(residentId, { observedAt: daysAgo(14) }),
        ]);
        expect((await sendBatch(signals)).status).toBe(202);
        const batch = signals.map((s) => s.sourceId);
        const episodes = await eventually(async () => {
          const found = await episodesOf([...history, ...batch]);
          return found.size === 8 && found;
        });
        for (const child of [0, 1]) {
          const [older, newer] = [episodes.get(history[2 * child]!)!, episodes.get(history[2 * child + 1]!)!];
          expect(older).not.toBe(newer);
          // 7 days after the older episode and 21 before the newer one: the older.
          expect(episodes.get(batch[2 * child]!)).toBe(older);
          // 2 days before the newer one (19 after the first of the batch): the newer.
          expect(episodes.get(batch[2 * child + 1]!)).toBe(newer);
        }
      });

      it('refuses one signal whose number does not check inside a batch that reached the hub, keeps the rest, and tells the police which', async () => {
        // A police system that signs its own batches and skipped the connector's check.
        const child = await enrol();
        const wrong = withWrongCheckCharacter(inventedResidentId());
        const good = exported(child.residentId);
        const bad = exported(wrong);
        // A note the police API would refuse (a bidi override), and the good signal's source id again with a bad number.
        const hostileNote = { ...exported(inventedResidentId()), note: 'a\u202Eb' };
        const again = { ...exported(wrong), sourceId: good.sourceId };
        const all = [good, bad, hostileNote, again];
        const hubRecord = hub.keyRing.directory().find((a) => a.id === HUB_AGENCY_ID)!;
        const sealed = await (
          await createEnvelopeSealer(encryptionKeyOf(hubRecord)!)
        ).seal(JSON.stringify(all.map((s) => ({ residentId: s.child.residentId, note: s.note }))), SIGNAL_BATCH_PURPOSE);
        const event = await createSignedEvent({
          signer: await hub.keyRing.signer('police-haishu'),
          type: SIGNAL_EVENT_TYPES.batchRaised,
          subject: good.sourceId,
          recipient: HUB_AGENCY_ID,
          data: { signals: all.map(({ child: c, note: _note, ...s }) => ({ ...s, localId: c.localId })), sealed },
          time: clock.now(),
        });
        selfMadeBatchEvents.add(event.id);
        await hub.bus.publish(TOPICS.hubInbound, [event]);
        const statuses = await statusesOf([good.sourceId, bad.sourceId, hostileNote.sourceId]);
        expect(statuses.get(hostileNote.sourceId)).toMatchObject({ status: 'REFUSED', reason: 'MALFORMED_EVENT' });
        expect(statuses.get(good.sourceId)).toMatchObject({ status: 'ROUTED' });
        expect(statuses.get(bad.sourceId)).toEqual({
          sourceId: bad.sourceId,
          signalId: null,
          status: 'REFUSED',
          reason: 'MALFORMED_EVENT',
          actions: [],
          at: expect.any(String) as string,
        });
        await routedTo(teacher, (s) => s.subjectId === child.subjectId);
        expect(logLines.join('\n')).not.toContain(wrong);
        // The good signal's source id, sent again with a bad number, is that signal: the police were not told REFUSED.
        const marker = await raise(inventedResidentId());
        await fromInbox('police-haishu', 'signal-status', (p) => p.sourceId === marker);
        expect(await fromInboxNow('police-haishu', (p) => p.sourceId === good.sourceId)).toEqual([]);
      });

      it('refuses the batch door without a credential, with another agency’s, and with hostile bodies, never echoing a number', async () => {
        const one = exported(inventedResidentId());
        expect((await post('police-haishu', '/v1/signals/batch', { signals: [one] }, null)).status).toBe(401);
        expect((await post('police-haishu', '/v1/signals/batch', { signals: [one] }, connectorKeys.get('school-east'))).status).toBe(401);
        expect((await post('school-east', '/v1/signals/batch', { signals: [one] })).status).toBe(404);
        // A form or plain text, as a page on another site could make a browser send without a preflight.
        for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
          const res = await hub.fetch(
            new Request('http://hub/connectors/police-haishu/v1/signals/batch', {
              method: 'POST',
              headers: { 'content-type': type, authorization: `Bearer ${connectorKeys.get('police-haishu')!}` },
              body: JSON.stringify({ signals: [one] }),
            }),
          );
          expect(res.status).toBe(415);
          expect(((await res.json()) as { error: { code: string } }).error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
        }
        // The larger limit is this route's alone: the single signal, another connector's same path and FHIR keep 100 KB.
        const padded = { ...one, note: 'x'.repeat(150_000) };
        expect((await post('police-haishu', '/v1/signals', padded)).status).toBe(413);
        expect((await post('school-east', '/v1/signals/batch', { signals: [padded] })).status).toBe(413);
        expect((await post('police-haishu', '/fhir/r4/v1/signals/batch', { signals: [padded] })).status).toBe(413);
        expect((await post('police-haishu', '/v1/signals/batch', '{"signals": [')).status).toBe(400);
        expect((await sendBatch([])).status).toBe(400);
        expect((await post('police-haishu', '/v1/signals/batch', { signals: one })).status).toBe(400);
        expect((await sendBatch(Array.from({ length: 501 }, () => one))).status).toBe(400);
        const huge = await post('police-haishu', '/v1/signals/batch', { signals: [{ ...one, note: 'x'.repeat(5 * 1024 * 1024) }] });
        expect(huge.status).toBe(413);
        // Larger than the JSON API's usual 100 KB: a full export with notes fits.
        // 500 notes of 2,000 Chinese characters (~3 MB): more than one event may carry, so the connector cuts it.
        const notes = Array.from({ length: 500 }, () =>
          exported(inventedResidentId(), { note: '孩子深夜在网上搜索伤害自己的方法，家长不知情。'.repeat(100).slice(0, 2000) }),
        );
        const big = await sendBatch(notes);
        expect(big.status).toBe(202);
        expect(JSON.parse(big.text)).toEqual({ accepted: 500, rejected: [] });
        // Each one taken in (none of these children is enrolled: each waits in the bureau's queue), none refused.
        const taken = await statusesOf(notes.map((n) => n.sourceId));
        expect(new Set([...taken.values()].map((t) => t.status))).toEqual(new Set(['UNMATCHED']));
        // Every refusal names the rule and the field, never the value.
        const smuggled = inventedResidentId();
        const refused = await sendBatch([{ ...one, officer: smuggled.slice(0, 17) }, { ...one, note: 'a\u202Eb' }, 42]);
        expect(refused.status).toBe(202);
        expect(JSON.parse(refused.text)).toMatchObject({
          accepted: 0,
          rejected: [
            { line: 1, field: 'officer', code: 'INVALID_VALUE' },
            { line: 2, field: 'note', code: 'INVALID_VALUE' },
            { line: 3, code: 'INVALID_VALUE' },
          ],
        });
        expect(refused.text).not.toContain(smuggled.slice(0, 17));
      });
    });

    describe("the school's path to the police", () => {
      it('reports a suspected harm to the police of its district, who acknowledge it', async () => {
        const child = await enrol();
        const reported = await gql<{ reportToPolice: Record<string, unknown> }>(
          hub.fetch,
          teacher,
          'mutation($i: SchoolReportInput!) { reportToPolice(input: $i) { id policeAgencyId subjectId kind acknowledgedAt } }',
          { i: { subjectId: child.subjectId, kind: 'SUSPECTED_HARM', summary: 'Bruises on both arms; the child says an adult at home did it.' } },
        );
        expect(reported.data!.reportToPolice).toMatchObject({
          policeAgencyId: 'police-haishu',
          subjectId: child.subjectId,
          kind: 'SUSPECTED_HARM',
          acknowledgedAt: null,
        });
        const reportId = reported.data!.reportToPolice.id as string;
        const [received] = await fromInbox('police-haishu', 'school-report', (p) => p.reportId === reportId);
        expect(received).toMatchObject({ schoolAgencyId: 'school-east', subjectId: child.subjectId, kind: 'SUSPECTED_HARM' });

        expect((await post('police-haishu', '/v1/school-reports/acknowledge', { reportId, acknowledgedBy: 'PC-0417' })).status).toBe(202);
        const acknowledged = await eventually(async () => {
          const page = await gql<{ schoolReports: { items: Array<Record<string, unknown>> } }>(
            hub.fetch,
            teacher,
            '{ schoolReports { items { id acknowledgedAt acknowledgedBy } } }',
          );
          return page.data!.schoolReports.items.find((r) => r.id === reportId && r.acknowledgedAt);
        });
        expect(acknowledged).toMatchObject({ acknowledgedBy: 'PC-0417' });
        const policeView = await gql<{ schoolReports: { items: Array<Record<string, unknown>> } }>(
          hub.fetch,
          police,
          '{ schoolReports { items { id summary reportedBy } } }',
        );
        expect(policeView.data!.schoolReports.items).toContainEqual({
          id: reportId,
          summary: 'Bruises on both arms; the child says an adult at home did it.',
          reportedBy: null,
        });
      });

      it('refuses a report from a school whose district has no police bureau registered, and one about another school’s student', async () => {
        const westChild = await enrol('school-west');
        const west = await gql(hub.fetch, westTeacher, 'mutation($i: SchoolReportInput!) { reportToPolice(input: $i) { id } }', {
          i: { subjectId: westChild.subjectId, kind: 'CRISIS', summary: 'A pupil climbed onto the roof of the gym.' },
        });
        expect(errorCode(west)).toBe('FORBIDDEN');
        expect(west.errors![0]!.extensions!.reasons).toEqual(["no police bureau of the school's district is registered with the hub"]);
        const notOurs = await gql(hub.fetch, teacher, 'mutation($i: SchoolReportInput!) { reportToPolice(input: $i) { id } }', {
          i: { subjectId: westChild.subjectId, kind: 'CRISIS', summary: 'Report about somebody else.' },
        });
        expect(errorCode(notOurs)).toBe('NOT_FOUND');
      });
    });

    describe('who saw the child', () => {
      it('tells the psychology teacher who saw the child’s data, when, for what and on which basis, and no one else', async () => {
        const child = await enrol();
        await gql(hub.fetch, teacher, 'mutation($s: ID!) { assignCarer(subjectId: $s, userId: "mentor-wang", role: MENTOR) }', { s: child.subjectId });
        await raise(child.residentId, { category: 'BULLYING_OR_CRIME_VICTIM' });
        const signal = await routedTo(teacher, (x) => x.subjectId === child.subjectId);
        await gql(hub.fetch, teacher, 'mutation($id: ID!, $i: OpenSignalNoteInput!) { openSignalNote(id: $id, input: $i) { text } }', {
          id: signal.id,
          i: { basis: 'STATUTORY_DUTY', justification: 'Planning the anti-bullying response.' },
        });
        await gql(hub.fetch, westTeacher, 'query($id: ID!) { signal(id: $id) { id } }', { id: signal.id });
        await gql(hub.fetch, mentor, '{ myStudents(first: 100) { items { subjectId handleWithCare } } }');

        const log = await gql<{ accessLog: { items: Array<Record<string, unknown>> } }>(
          hub.fetch,
          teacher,
          'query($s: ID!) { accessLog(subjectId: $s, first: 100) { items { agencyId role userId action fields allowed purpose legalBasis } } }',
          { s: child.subjectId },
        );
        const items = log.data!.accessLog.items;
        expect(items).toContainEqual(
          expect.objectContaining({
            agencyId: 'school-east',
            userId: 'teacher-chen',
            action: 'signal.open-note',
            allowed: true,
            purpose: 'signal',
            legalBasis: 'statutory-duty',
          }),
        );
        expect(items).toContainEqual(expect.objectContaining({ agencyId: 'school-west', action: 'signal.read', allowed: false, legalBasis: null, fields: [] }));
        expect(items).toContainEqual(expect.objectContaining({ agencyId: 'school-east', role: 'mentor', action: 'warning.read-flag', allowed: true }));
        // The police raising the signal concerned a child they name by number, not a record of the hub's: not in the log.
        expect(items.find((e) => e.action === 'signal.raise')).toBeUndefined();

        for (const token of [westTeacher, mentor, police, bureau]) {
          const refused = await gql(hub.fetch, token, 'query($s: ID!) { accessLog(subjectId: $s) { items { action } } }', { s: child.subjectId });
          expect(errorCode(refused)).toBe('NOT_FOUND');
        }
      });

      it('keeps the audit as one unbroken hash chain that the hub’s own checkpoint vouches for', async () => {
        await hub.checkpointAudit();
        const hubKeys = hub.keyRing.directory().find((a) => a.id === 'careloop-hub')!.publicKeys;
        const report = await verifyStoredAuditChain(hub.sql, hubKeys);
        expect(report.entries).toBeGreaterThan(10);
        expect(report.checkpoints).toBeGreaterThanOrEqual(1);
        expect(report.problems).toEqual([]);
      });
    });

    describe('what is kept', () => {
      it('keeps no resident identity number in the database, the logs or on the bus', async () => {
        expect(numbersUsed.length).toBeGreaterThan(10);
        const tables = await hub.sql.query<{ table_name: string }>(
          "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
        );
        let dump = '';
        for (const { table_name } of tables) {
          const rows = await hub.sql.query(`SELECT * FROM "${table_name}"`);
          dump += JSON.stringify(rows);
        }
        expect(dump.length).toBeGreaterThan(10_000);
        const bus = await everythingOnTheBus();
        expect(bus.length).toBeGreaterThan(10_000);
        // The batch of 500 long notes left as several events, each small enough for a broker's default limit.
        expect(batchEventsOnTheBus).toBeGreaterThan(4);
        // A batch event keeps no order with any other, so it goes unkeyed and the bus spreads batches over partitions.
        expect(batchEventKeys.length).toBeGreaterThan(4);
        expect(batchEventKeys.filter((key) => key !== null)).toEqual([]);
        expect(largestOnTheBus).toBeLessThanOrEqual(SIGNAL_BATCH_EVENT_MAX_BYTES);
        // Every signal event to an agency (notices, statuses, guidance) is keyed by that agency, so they arrive in order.
        expect(signalEventKeys.length).toBeGreaterThan(20);
        // A school's register changes share its key, so they are applied in the order it sent them.
        expect(registerKeys.length).toBeGreaterThan(10);
        for (const entry of registerKeys) expect(entry).toMatch(/^(school-[a-z]+) school:\1$/);
        for (const { topic, key } of signalEventKeys) expect(`${topic} ${key}`).toBe(`${topic} signals:${topic.slice(agencyTopic('').length)}`);
        const logs = logLines.join('\n');
        expect(logs.length).toBeGreaterThan(1000);
        for (const number of numbersUsed) {
          for (const form of [number, number.toLowerCase(), number.slice(0, 17)]) {
            expect(dump.includes(form), 'a number in the database').toBe(false);
            expect(logs.includes(form), 'a number in a log line').toBe(false);
            expect(bus.includes(form), 'a number on the bus').toBe(false);
          }
        }
      });

      it('purges signals after the retention period, with their guidance and note openings', async () => {
        const child = await enrol();
        await raise(child.residentId);
        const signal = await routedTo(teacher, (s) => s.subjectId === child.subjectId);
        offsetMs += 31 * 24 * 3600_000;
        try {
          const purged = await hub.purgeExpired();
          expect(purged.signals).toBeGreaterThanOrEqual(1);
          expect(await hub.sql.query('SELECT id FROM signals WHERE id = $1', [signal.id])).toEqual([]);
        } finally {
          offsetMs -= 31 * 24 * 3600_000;
        }
      });
    });
  });
}
