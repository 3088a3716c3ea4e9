import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hub, HubOptions } from '../create-hub.js';
import { enrolStudents, errorCode, eventually, gql, tokenFor } from '../../test/support/hub-client.js';
import { referralInput } from '../../test/support/referral-fixtures.js';

const ASSESSMENT_FIELDS =
  'id subjectId state proposedBy proposalReason interview { summary scales { scale score } } decision { outcome category note } warningId';
const ENTRY_FIELDS =
  'id subjectId state category ownerUserId plan tags history { sequence action from to reason } guardianNotice { channel givenBy } availableActions';

/**
 * The warning register through the GraphQL door, the way a school uses it: a mentor proposes, the psychology
 * teacher interviews, the crisis-assessment group confirms, and the entry is managed until it is lifted. Run on
 * every deployment (embedded PGlite; PostgreSQL) by the suites that import it.
 */
/** A test's import limit: small, so that the oversized upload is cheap to send. */
const IMPORT_LIMIT_BYTES = 256 * 1024;

export function describeWarningRegister(deployment: string, start: (options: HubOptions) => Promise<{ hub: Hub; stop(): Promise<void> }>) {
  describe(`the warning register (${deployment})`, () => {
    let hub: Hub;
    let stopHub: () => Promise<void>;
    let mentor: string;
    let otherMentor: string;
    let teacher: string;
    let crisisTeam: string;
    let westTeacher: string;
    let liaison: string;
    let bureau: string;
    const connectorKeys = new Map<string, string>();
    // Real time until a test moves it on: the care tests jump days ahead to let tasks fall due.
    let offsetMs = 0;
    const clock = { now: () => new Date(Date.now() + offsetMs) };

    beforeAll(async () => {
      const started = await start({
        embedConnectors: true,
        relayIntervalMs: 50,
        retentionIntervalMs: 0,
        deadlineCheckIntervalMs: 0,
        importLimitBytes: IMPORT_LIMIT_BYTES,
        clock,
        onConnectorKeyCreated: (agencyId, key) => void connectorKeys.set(agencyId, key),
      });
      hub = started.hub;
      stopHub = () => started.stop();
      mentor = await tokenFor(hub.keyRing, 'school-east', 'mentor', { userId: 'mentor-wang' });
      otherMentor = await tokenFor(hub.keyRing, 'school-east', 'mentor', { userId: 'mentor-li' });
      teacher = await tokenFor(hub.keyRing, 'school-east', 'psychology-teacher', { userId: 'teacher-chen' });
      crisisTeam = await tokenFor(hub.keyRing, 'school-east', 'crisis-team', { userId: 'chair-zhao' });
      westTeacher = await tokenFor(hub.keyRing, 'school-west', 'psychology-teacher');
      liaison = await tokenFor(hub.keyRing, 'hospital-kangning', 'hospital-liaison');
      bureau = await tokenFor(hub.keyRing, 'bureau-haishu', 'bureau-analyst');
    });
    afterAll(() => stopHub());

    async function student(): Promise<string> {
      const id = `subj-warn-${randomUUID().slice(0, 8)}`;
      await enrolStudents(hub.sql, [id]);
      return id;
    }

    const propose = (token: string, subjectId: string, reason = 'Withdrawn for two weeks, gave away belongings.') =>
      gql<{ proposeForAssessment: Record<string, unknown> }>(
        hub.fetch,
        token,
        `mutation($s: ID!, $r: String!) { proposeForAssessment(subjectId: $s, reason: $r) { ${ASSESSMENT_FIELDS} } }`,
        { s: subjectId, r: reason },
      );
    const interview = (token: string, id: string) =>
      gql<{ recordAssessmentInterview: Record<string, unknown> }>(
        hub.fetch,
        token,
        `mutation($id: ID!, $i: AssessmentInterviewInput!) { recordAssessmentInterview(id: $id, interview: $i) { ${ASSESSMENT_FIELDS} } }`,
        { id, i: { summary: 'Talks of hopelessness; no plan disclosed.', familyContact: 'Mother reached by phone.', scales: [{ scale: 'PHQ-9', score: 19 }] } },
      );
    const confirm = (token: string, id: string, category = 3) =>
      gql<{ confirmAssessment: Record<string, unknown> }>(
        hub.fetch,
        token,
        `mutation($id: ID!, $d: ConfirmAssessmentInput!) { confirmAssessment(id: $id, decision: $d) { ${ASSESSMENT_FIELDS} } }`,
        { id, d: { category, note: 'Scale, family contact and interview agree.', ownerUserId: 'teacher-chen', tags: ['left-behind'] } },
      );
    const entry = (token: string, id: string) =>
      gql<{ warning: Record<string, unknown> | null }>(hub.fetch, token, `query($id: ID!) { warning(id: $id) { ${ENTRY_FIELDS} } }`, { id });
    const step = (token: string, mutation: string, variables: Record<string, unknown>) =>
      gql<Record<string, Record<string, unknown>>>(hub.fetch, token, mutation, variables);

    /** Proposed, interviewed and confirmed: the id of the entry on the list. */
    async function listed(subjectId?: string): Promise<string> {
      const proposed = await propose(mentor, subjectId ?? (await student()));
      const id = proposed.data!.proposeForAssessment.id as string;
      await interview(teacher, id);
      const confirmed = await confirm(crisisTeam, id);
      return confirmed.data!.confirmAssessment.warningId as string;
    }

    it('takes a student from a mentor’s proposal through interview and the group’s confirmation onto the list', async () => {
      const subjectId = await student();
      const proposed = await propose(mentor, subjectId);
      expect(proposed.errors).toBeUndefined();
      // The mentor learns that the proposal was filed, not what becomes of it.
      expect(proposed.data!.proposeForAssessment).toMatchObject({ subjectId, proposedBy: 'mentor-wang', state: null, proposalReason: null, decision: null });
      const id = proposed.data!.proposeForAssessment.id as string;

      const interviewed = await interview(teacher, id);
      expect(interviewed.data!.recordAssessmentInterview).toMatchObject({ state: 'INTERVIEWED', interview: { scales: [{ scale: 'PHQ-9', score: 19 }] } });

      const confirmed = await confirm(crisisTeam, id);
      expect(confirmed.data!.confirmAssessment).toMatchObject({ state: 'CONFIRMED', decision: { outcome: 'CONFIRMED', category: 3 } });
      const warningId = confirmed.data!.confirmAssessment.warningId as string;

      const listedEntry = await entry(teacher, warningId);
      expect(listedEntry.data!.warning).toMatchObject({
        subjectId,
        state: 'RAISED',
        category: 3,
        ownerUserId: 'teacher-chen',
        tags: ['left-behind'],
        plan: null,
        history: [{ sequence: 1, action: 'RAISE', from: null, to: 'RAISED', reason: 'Scale, family contact and interview agree.' }],
      });
      expect(listedEntry.data!.warning!.availableActions).toEqual(['REVIEW', 'ADOPT_PLAN', 'RECATEGORISE']);

      const page = await gql<{ warnings: { items: Array<{ id: string }> } }>(hub.fetch, teacher, '{ warnings(first: 100, state: RAISED) { items { id } } }');
      expect(page.data!.warnings.items.map((e) => e.id)).toContain(warningId);
    });

    it('manages an entry through plan, review, lifting and raising again, each step with who, when and why', async () => {
      const id = await listed();
      const plan = await step(crisisTeam, 'mutation($id: ID!, $p: String!) { adoptWarningPlan(id: $id, plan: $p) { state plan } }', {
        id,
        p: 'Weekly talk with the psychology teacher; daily check-in with the mentor; family meeting monthly.',
      });
      expect(plan.data!.adoptWarningPlan).toMatchObject({ state: 'PLAN_IN_PLACE' });
      const notice = await step(
        teacher,
        'mutation($id: ID!, $n: WarningGuardianNoticeInput!) { recordWarningGuardianNotice(id: $id, notice: $n) { guardianNotice { channel givenBy } } }',
        {
          id,
          n: { givenAt: '2026-11-24T09:00:00Z', channel: 'IN_PERSON', givenBy: 'teacher-chen' },
        },
      );
      expect(notice.data!.recordWarningGuardianNotice!.guardianNotice).toEqual({ channel: 'IN_PERSON', givenBy: 'teacher-chen' });
      await step(teacher, 'mutation($id: ID!) { reviewWarning(id: $id, reason: "Term review.") { state } }', { id });
      const lifted = await step(crisisTeam, 'mutation($id: ID!) { liftWarning(id: $id, reason: "Stable for a term.") { state liftedAt } }', { id });
      expect(lifted.data!.liftWarning!.state).toBe('LIFTED');
      const again = await step(
        crisisTeam,
        'mutation($id: ID!) { reraiseWarning(id: $id, reason: "Relapse after exams.", category: 2) { id state category } }',
        { id },
      );
      expect(again.data!.reraiseWarning).toEqual({ id, state: 'RAISED', category: 2 });

      const history = (await entry(teacher, id)).data!.warning!.history as Array<{ action: string; to: string; reason: string | null }>;
      expect(history.map((h) => [h.action, h.to])).toEqual([
        ['RAISE', 'RAISED'],
        ['ADOPT_PLAN', 'PLAN_IN_PLACE'],
        ['REVIEW', 'UNDER_REVIEW'],
        ['LIFT', 'LIFTED'],
        ['RERAISE', 'RAISED'],
      ]);
      expect(history.at(-1)!.reason).toBe('Relapse after exams.');
    });

    it('refuses a step the entry’s state does not allow, and changes nothing', async () => {
      const id = await listed();
      const lift = await step(crisisTeam, 'mutation($id: ID!) { liftWarning(id: $id, reason: "Too soon.") { state } }', { id });
      expect(errorCode(lift)).toBe('INVALID_TRANSITION');
      const reraise = await step(crisisTeam, 'mutation($id: ID!) { reraiseWarning(id: $id, reason: "Not lifted.") { state } }', { id });
      expect(errorCode(reraise)).toBe('INVALID_TRANSITION');
      expect((await entry(teacher, id)).data!.warning).toMatchObject({ state: 'RAISED', history: [{ action: 'RAISE' }] });
    });

    it('lets the group decide only after the interview, files every proposal, and lists a child once', async () => {
      const subjectId = await student();
      const first = (await propose(mentor, subjectId)).data!.proposeForAssessment.id as string;
      expect(errorCode(await confirm(crisisTeam, first))).toBe('INVALID_TRANSITION');
      // A second proposal about the same child is filed like any other: refusing it would tell the proposer a case is open.
      const second = (await propose(otherMentor, subjectId)).data!.proposeForAssessment.id as string;
      await interview(teacher, first);
      expect((await confirm(crisisTeam, first)).errors).toBeUndefined();
      await interview(teacher, second);
      // Only the crisis team, who see the open entry anyway, meet the conflict.
      expect(errorCode(await confirm(crisisTeam, second))).toBe('OPEN_WARNING_EXISTS');
      const dismissed = await gql<{ dismissAssessment: { state: string; warningId: string | null } }>(
        hub.fetch,
        crisisTeam,
        'mutation($id: ID!) { dismissAssessment(id: $id, note: "Same concern as the listed case.") { state warningId } }',
        { id: second },
      );
      expect(dismissed.data!.dismissAssessment).toEqual({ state: 'DISMISSED', warningId: null });
    });

    it('answers a proposal about a listed child exactly as one about a child nobody worries about', async () => {
      const listedChild = await student();
      await listed(listedChild);
      const quietChild = await student();
      const shape = (r: Awaited<ReturnType<typeof propose>>) =>
        JSON.stringify(r, (k, v: unknown) => (k === 'id' || k === 'proposedAt' || k === 'subjectId' ? 'X' : v));
      for (const token of [otherMentor, await tokenFor(hub.keyRing, 'school-east', 'staff', { userId: 'guard-liu' })]) {
        const aboutListed = await propose(token, listedChild);
        const aboutQuiet = await propose(token, quietChild);
        expect(aboutListed.errors).toBeUndefined();
        expect(shape(aboutListed).replace(/mentor-li|guard-liu/g, 'P')).toBe(shape(aboutQuiet).replace(/mentor-li|guard-liu/g, 'P'));
      }
    });

    it('never lets a proposer learn the outcome, by filter, cursor or page', async () => {
      const subjectId = await student();
      const id = (await propose(mentor, subjectId)).data!.proposeForAssessment.id as string;
      await interview(teacher, id);
      await confirm(crisisTeam, id);
      const mine = (state: string | null) =>
        gql<{ warningAssessments: { items: Array<{ id: string }>; endCursor: string | null; hasMore: boolean } }>(
          hub.fetch,
          mentor,
          'query($s: AssessmentState) { warningAssessments(first: 100, state: $s) { items { id } endCursor hasMore } }',
          { s: state },
        );
      expect((await mine(null)).data!.warningAssessments.items.map((a) => a.id)).toContain(id);
      for (const state of ['CONFIRMED', 'DISMISSED', 'PROPOSED', 'INTERVIEWED']) expect((await mine(state)).data!.warningAssessments.items).toEqual([]);
      // Somebody who may see no entry gets an empty page: no cursor, no "more", however long the list.
      for (const token of [mentor, await tokenFor(hub.keyRing, 'school-east', 'staff', { userId: 'guard-liu' })]) {
        const page = await gql<{ warnings: unknown }>(hub.fetch, token, '{ warnings(first: 1) { items { id } endCursor hasMore } }');
        expect(page.data!.warnings).toEqual({ items: [], endCursor: null, hasMore: false });
      }
    });

    it('raises again the entry a lifted warning left, so the history follows the child', async () => {
      const subjectId = await student();
      const first = await listed(subjectId);
      await step(teacher, 'mutation($id: ID!) { reviewWarning(id: $id, reason: "Review.") { state } }', { id: first });
      await step(crisisTeam, 'mutation($id: ID!) { liftWarning(id: $id, reason: "Recovered.") { state } }', { id: first });
      const second = await listed(subjectId);
      expect(second).toBe(first);
      const history = (await entry(teacher, first)).data!.warning!.history as Array<{ action: string }>;
      expect(history.map((h) => h.action)).toEqual(['RAISE', 'REVIEW', 'LIFT', 'RERAISE']);
    });

    it('lets only the crisis-assessment group confirm, lift or raise again', async () => {
      const subjectId = await student();
      const id = (await propose(mentor, subjectId)).data!.proposeForAssessment.id as string;
      await interview(teacher, id);
      expect(errorCode(await confirm(teacher, id))).toBe('FORBIDDEN');
      const warningId = (await confirm(crisisTeam, id)).data!.confirmAssessment.warningId as string;
      await step(teacher, 'mutation($id: ID!) { reviewWarning(id: $id, reason: "Review.") { state } }', { id: warningId });
      expect(errorCode(await step(teacher, 'mutation($id: ID!) { liftWarning(id: $id, reason: "Fine.") { state } }', { id: warningId }))).toBe('FORBIDDEN');
    });

    it('shows an entry to nobody outside the school’s psychology staff, answering exactly as for one that does not exist', async () => {
      const id = await listed();
      const missing = randomUUID();
      for (const token of [mentor, westTeacher, liaison, bureau]) {
        const hidden = await entry(token, id);
        const absent = await entry(token, missing);
        expect(errorCode(hidden)).toBe('NOT_FOUND');
        expect(JSON.stringify(hidden)).toBe(JSON.stringify(absent));
      }
      const lift = await step(westTeacher, 'mutation($id: ID!) { reviewWarning(id: $id, reason: "x") { state } }', { id });
      expect(errorCode(lift)).toBe('NOT_FOUND');
      // A mentor's list holds no entry, and another school's list does not hold this one.
      const mentorsList = await gql<{ warnings: { items: unknown[] } }>(hub.fetch, mentor, '{ warnings(first: 100) { items { id } } }');
      expect(mentorsList.data!.warnings.items).toEqual([]);
      const westList = await gql<{ warnings: { items: Array<{ id: string }> } }>(hub.fetch, westTeacher, '{ warnings(first: 100) { items { id } } }');
      expect(westList.data!.warnings.items.map((e) => e.id)).not.toContain(id);
    });

    it('answers a proposal about another school’s student exactly as one about a child the hub does not know', async () => {
      const westStudent = `subj-warn-west-${randomUUID().slice(0, 8)}`;
      await enrolStudents(hub.sql, [westStudent], 'school-west');
      const other = await propose(mentor, westStudent);
      const unknown = await propose(mentor, `subj-warn-nobody-${randomUUID().slice(0, 8)}`);
      expect(errorCode(other)).toBe('NOT_FOUND');
      expect(JSON.stringify(other).replace(westStudent, 'X')).toBe(JSON.stringify(unknown).replace(/subj-warn-nobody-\w+/, 'X'));
    });

    it('shows another mentor nothing of a proposal they did not file', async () => {
      const id = (await propose(mentor, await student())).data!.proposeForAssessment.id as string;
      const seen = await gql(hub.fetch, otherMentor, `query($id: ID!) { warningAssessment(id: $id) { id } }`, { id });
      expect(errorCode(seen)).toBe('NOT_FOUND');
      const mine = await gql<{ warningAssessments: { items: Array<{ id: string; proposalReason: string | null }> } }>(
        hub.fetch,
        mentor,
        '{ warningAssessments(first: 100) { items { id proposalReason } } }',
      );
      expect(mine.data!.warningAssessments.items.map((a) => a.id)).toContain(id);
      expect(mine.data!.warningAssessments.items.every((a) => a.proposalReason === null)).toBe(true);
    });

    it('refuses hostile input with BAD_USER_INPUT and writes nothing', async () => {
      const subjectId = await student();
      const bad = [
        await propose(mentor, subjectId, 'nul \u0000 byte'),
        await propose(mentor, subjectId, 'x'.repeat(2001)),
        await propose(mentor, subjectId, '   '),
        await propose(mentor, "x'; DROP TABLE warning_entries; --"),
      ];
      expect(bad.map(errorCode)).toEqual(['BAD_USER_INPUT', 'BAD_USER_INPUT', 'BAD_USER_INPUT', 'BAD_USER_INPUT']);
      const id = (await propose(mentor, subjectId)).data!.proposeForAssessment.id as string;
      await interview(teacher, id);
      expect(errorCode(await confirm(crisisTeam, id, 4))).toBe('BAD_USER_INPUT');
      const badTag = await gql(hub.fetch, crisisTeam, 'mutation($id: ID!, $d: ConfirmAssessmentInput!) { confirmAssessment(id: $id, decision: $d) { id } }', {
        id,
        d: { category: 2, note: 'ok', ownerUserId: 'teacher-chen', tags: ['<script>'] },
      });
      expect(errorCode(badTag)).toBe('BAD_USER_INPUT');
      const still = await gql<{ warningAssessment: { state: string } }>(hub.fetch, teacher, 'query($id: ID!) { warningAssessment(id: $id) { state } }', { id });
      expect(still.data!.warningAssessment.state).toBe('INTERVIEWED');
    });

    it('refuses every warning operation without credentials', async () => {
      const read = await gql(hub.fetch, null, '{ warnings { items { id } } }');
      expect(errorCode(read)).toBe('UNAUTHENTICATED');
      const write = await gql(hub.fetch, null, 'mutation { proposeForAssessment(subjectId: "s", reason: "r") { id } }');
      expect(errorCode(write)).toBe('UNAUTHENTICATED');
    });

    it('keeps reasons, interviews, plans and notes sealed at rest', async () => {
      const canary = `CANARY-${randomUUID().slice(0, 8)}`;
      const subjectId = await student();
      const id = (await propose(mentor, subjectId, `${canary} proposal`)).data!.proposeForAssessment.id as string;
      await interview(teacher, id);
      const warningId = (await confirm(crisisTeam, id)).data!.confirmAssessment.warningId as string;
      await step(crisisTeam, 'mutation($id: ID!, $p: String!) { adoptWarningPlan(id: $id, plan: $p) { state } }', { id: warningId, p: `${canary} plan` });
      const rows = await hub.sql.query(
        `SELECT a.proposal_reason, a.interview, a.decision, e.plan, h.reason
           FROM warning_assessments a JOIN warning_entries e ON e.assessment_id = a.id JOIN warning_history h ON h.warning_id = e.id
          WHERE a.id = $1`,
        [id],
      );
      expect(rows.length).toBeGreaterThan(0);
      const stored = JSON.stringify(rows);
      expect(stored).not.toContain(canary);
      expect(stored).not.toContain('hopelessness');
      expect(stored).toContain('enc:v1:');
    });

    describe('counters and export', () => {
      it("gives the district bureau its schools' warning counters, matching a hand-computed fixture, and nobody else", async () => {
        // school-west (district yinzhou) is used by no other test of this suite for entries: its counts are ours alone.
        const from = new Date(Date.now() - 60_000);
        const westMentor = await tokenFor(hub.keyRing, 'school-west', 'mentor', { userId: 'mentor-west' });
        const westCrisis = await tokenFor(hub.keyRing, 'school-west', 'crisis-team', { userId: 'chair-west' });
        const westBureau = await tokenFor(hub.keyRing, 'bureau-yinzhou', 'bureau-analyst');
        const raise = async (category: number) => {
          const subjectId = `subj-cnt-${randomUUID().slice(0, 8)}`;
          await enrolStudents(hub.sql, [subjectId], 'school-west');
          const id = (await propose(westMentor, subjectId)).data!.proposeForAssessment.id as string;
          await interview(westTeacher, id);
          return { subjectId, id: (await confirm(westCrisis, id, category)).data!.confirmAssessment.warningId as string };
        };
        // A: raised, planned, reviewed, lifted. B: raised (2), visited at home. C: raised (3), reviewed. D: raised (3), referred.
        const a = await raise(3);
        await step(westCrisis, 'mutation($id: ID!) { adoptWarningPlan(id: $id, plan: "Plan.") { state } }', { id: a.id });
        await step(westTeacher, 'mutation($id: ID!) { reviewWarning(id: $id, reason: "Review.") { state } }', { id: a.id });
        await step(westCrisis, 'mutation($id: ID!) { liftWarning(id: $id, reason: "Stable.") { state } }', { id: a.id });
        const b = await raise(2);
        // B's home visit is held: B counts as revisited and home-visited.
        const bVisit = (
          await gql<{ careTasks: { items: Array<{ id: string; subjectId: string; kind: string }> } }>(
            hub.fetch,
            westTeacher,
            '{ careTasks(first: 100) { items { id subjectId kind } } }',
          )
        ).data!.careTasks.items.find((t) => t.subjectId === b.subjectId && t.kind === 'HOME_VISIT')!;
        const held = await gql(hub.fetch, westTeacher, 'mutation($id: ID!) { completeCareTask(id: $id, outcome: "Visited at home.") { id } }', {
          id: bVisit.id,
        });
        expect(held.errors).toBeUndefined();
        const c = await raise(3);
        await step(westTeacher, 'mutation($id: ID!) { reviewWarning(id: $id, reason: "Review.") { state } }', { id: c.id });
        const d = await raise(3);
        const referred = await gql(hub.fetch, westTeacher, 'mutation($i: CreateReferralInput!) { createReferral(input: $i) { id } }', {
          i: referralInput({ subjectId: d.subjectId }),
        });
        expect(referred.errors).toBeUndefined();

        const query =
          'query($f: DateTime!, $t: DateTime!) { districtWarningCounters(from: $f, to: $t) { districtId schools { school { id } raised lifted current currentCategory2 currentCategory3 revisited referred homeVisited homeVisitCoverage overdueTasks } total { raised current } } }';
        const window = { f: from.toISOString(), t: new Date(Date.now() + 3_600_000).toISOString() };
        const counted = await gql<{ districtWarningCounters: { districtId: string; schools: Array<Record<string, unknown>>; total: Record<string, number> } }>(
          hub.fetch,
          westBureau,
          query,
          window,
        );
        expect(counted.errors).toBeUndefined();
        expect(counted.data!.districtWarningCounters.districtId).toBe('yinzhou');
        expect(counted.data!.districtWarningCounters.schools).toEqual([
          {
            school: { id: 'school-west' },
            raised: 4,
            lifted: 1,
            current: 3,
            currentCategory2: 1,
            currentCategory3: 2,
            revisited: 3,
            referred: 1,
            homeVisited: 1,
            homeVisitCoverage: 1 / 3,
            overdueTasks: 0,
          },
        ]);
        // Nothing happened in a period before the fixture: the period counts are 0, the current ones stand.
        const before = await gql<{ districtWarningCounters: { schools: Array<Record<string, unknown>> } }>(hub.fetch, westBureau, query, {
          f: '2020-01-01T00:00:00Z',
          t: '2020-02-01T00:00:00Z',
        });
        expect(before.data!.districtWarningCounters.schools[0]).toMatchObject({ raised: 0, lifted: 0, revisited: 0, current: 3, referred: 0 });
        // Haishu's bureau counts its own schools only; a school may not read the district's counters.
        const haishu = await gql<{ districtWarningCounters: { schools: Array<{ school: { id: string } }> } }>(hub.fetch, bureau, query, window);
        expect(haishu.data!.districtWarningCounters.schools.map((s) => s.school.id)).not.toContain('school-west');
        expect(errorCode(await gql(hub.fetch, westTeacher, query, window))).toBe('NOT_FOUND');
        expect(errorCode(await gql(hub.fetch, westBureau, query, { f: window.t, t: window.f }))).toBe('BAD_USER_INPUT');
      });

      it('lets the bureau set the kinds its district tracks; tags must then be among them, and the counters count them', async () => {
        const westBureau = await tokenFor(hub.keyRing, 'bureau-yinzhou', 'bureau-analyst');
        const westMentor = await tokenFor(hub.keyRing, 'school-west', 'mentor', { userId: 'mentor-west' });
        const westCrisis = await tokenFor(hub.keyRing, 'school-west', 'crisis-team', { userId: 'chair-west' });
        const set = await gql<{ setSpecialAttentionKinds: Array<{ code: string; label: string }> }>(
          hub.fetch,
          westBureau,
          'mutation($k: [SpecialAttentionKindInput!]!) { setSpecialAttentionKinds(kinds: $k) { code label } }',
          {
            k: [
              { code: 'left-behind', label: '留守儿童 Left-behind' },
              { code: 'migrant', label: '随迁子女 Migrant' },
            ],
          },
        );
        expect(set.data!.setSpecialAttentionKinds.map((k) => k.code)).toEqual(['left-behind', 'migrant']);
        expect(errorCode(await gql(hub.fetch, westTeacher, 'mutation { setSpecialAttentionKinds(kinds: []) { code } }'))).toBe('NOT_FOUND');
        expect(errorCode(await gql(hub.fetch, bureau, 'mutation { setSpecialAttentionKinds(kinds: [{code: "Bad Code", label: "x"}]) { code } }'))).toBe(
          'BAD_USER_INPUT',
        );
        const read = await gql<{ specialAttentionKinds: Array<{ code: string }> }>(hub.fetch, westMentor, '{ specialAttentionKinds { code } }');
        expect(read.data!.specialAttentionKinds.map((k) => k.code)).toEqual(['left-behind', 'migrant']);

        const subjectId = `subj-kind-${randomUUID().slice(0, 8)}`;
        await enrolStudents(hub.sql, [subjectId], 'school-west');
        const id = (await propose(westMentor, subjectId)).data!.proposeForAssessment.id as string;
        await interview(westTeacher, id);
        const decide = (token: string, assessmentId: string, tags: string[]) =>
          gql<{ confirmAssessment: { warningId: string } }>(
            hub.fetch,
            token,
            'mutation($id: ID!, $d: ConfirmAssessmentInput!) { confirmAssessment(id: $id, decision: $d) { warningId } }',
            {
              id: assessmentId,
              d: { category: 2, note: 'ok', ownerUserId: 'teacher-west', tags },
            },
          );
        expect(errorCode(await decide(westCrisis, id, ['orphan']))).toBe('BAD_USER_INPUT');
        // Another school's crisis team, with the same bad tag, learns nothing: as for an id that does not exist.
        const hidden = await decide(crisisTeam, id, ['orphan']);
        const missing = await decide(crisisTeam, randomUUID(), ['orphan']);
        expect(errorCode(hidden)).toBe('NOT_FOUND');
        expect(JSON.stringify(hidden).replace(id, 'X')).toBe(JSON.stringify(missing).replace(/"[0-9a-f-]{36}"/, '"X"'));
        expect((await decide(westCrisis, id, ['migrant'])).errors).toBeUndefined();

        const counted = await gql<{
          districtWarningCounters: { schools: Array<{ currentByKind: Array<{ kind: string; count: number }> }>; total: { currentByKind: unknown } };
        }>(
          hub.fetch,
          westBureau,
          'query($f: DateTime!, $t: DateTime!) { districtWarningCounters(from: $f, to: $t) { schools { currentByKind { kind count } } total { currentByKind { kind count } } } }',
          { f: '2020-01-01T00:00:00Z', t: '2030-01-01T00:00:00Z' },
        );
        expect(counted.data!.districtWarningCounters.schools[0]!.currentByKind).toContainEqual({ kind: 'migrant', count: 1 });
        expect(counted.data!.districtWarningCounters.total.currentByKind).toContainEqual({ kind: 'migrant', count: 1 });
      });

      it("exports the school's list as CSV or JSON with pseudonyms and dates but no free text, for the school's psychology staff only", async () => {
        const canary = `CANARY-${randomUUID().slice(0, 8)}`;
        const subjectId = await student();
        const id = (await propose(mentor, subjectId, `${canary} reason`)).data!.proposeForAssessment.id as string;
        await interview(teacher, id);
        const warningId = (await confirm(crisisTeam, id)).data!.confirmAssessment.warningId as string;
        await step(crisisTeam, 'mutation($id: ID!, $p: String!) { adoptWarningPlan(id: $id, plan: $p) { state } }', { id: warningId, p: `${canary} plan` });
        const exportQuery = 'query($f: ExportFormat!) { warningListExport(format: $f) { format contentType fileName rows content } }';
        const csv = await gql<{ warningListExport: { contentType: string; fileName: string; rows: number; content: string } }>(
          hub.fetch,
          teacher,
          exportQuery,
          { f: 'CSV' },
        );
        expect(csv.errors).toBeUndefined();
        const file = csv.data!.warningListExport;
        expect(file.contentType).toBe('text/csv; charset=utf-8');
        expect(file.fileName).toMatch(/^warning-list-school-east-\d{4}-\d{2}-\d{2}\.csv$/);
        const lines = file.content.trim().split('\n');
        expect(lines[0]).toBe(
          'school_agency_id,pseudonym,category,state,raised_on,lifted_on,owner,special_attention,plan_in_place,guardian_notice_on,guardian_notice_channel,reviews,last_change_on',
        );
        expect(lines).toHaveLength(file.rows + 1);
        expect(lines.find((l) => l.includes(subjectId))).toMatch(
          new RegExp(`^school-east,${subjectId},3,PLAN_IN_PLACE,\\d{4}-\\d{2}-\\d{2},,teacher-chen,left-behind,yes,,,0,`),
        );
        expect(file.content).not.toContain(canary);
        const json = await gql<{ warningListExport: { rows: number; content: string } }>(hub.fetch, teacher, exportQuery, { f: 'JSON' });
        const parsed = JSON.parse(json.data!.warningListExport.content) as { schema: string; rows: Array<Record<string, unknown>> };
        expect(parsed.schema).toBe('careloop.warning-list.v1');
        expect(parsed.rows).toHaveLength(file.rows);
        expect(parsed.rows.find((r) => r.pseudonym === subjectId)).toMatchObject({ category: 3, plan_in_place: true, state: 'PLAN_IN_PLACE' });
        for (const token of [mentor, bureau]) expect(errorCode(await gql(hub.fetch, token, exportQuery, { f: 'CSV' }))).toBe('FORBIDDEN');
        expect(errorCode(await gql(hub.fetch, liaison, exportQuery, { f: 'CSV' }))).toBe('FORBIDDEN');
      });
    });

    describe('screening import', () => {
      const upload = (agencyPath: string, body: BodyInit, options: { key?: string | null; type?: string } = {}) => {
        const key = options.key === undefined ? connectorKeys.get(agencyPath) : options.key;
        return Promise.resolve(
          hub.fetch(
            new Request(`http://hub/connectors/${agencyPath}/imports/screenings`, {
              method: 'POST',
              headers: { 'content-type': options.type ?? 'text/csv', ...(key ? { authorization: `Bearer ${key}` } : {}) },
              body,
              duplex: 'half',
            } as RequestInit),
          ),
        );
      };
      const results = (token: string, subjectId: string) =>
        gql<{ screeningResults: Array<{ scale: string; takenOn: string; score: number; assessor: string }> }>(
          hub.fetch,
          token,
          'query($s: ID!) { screeningResults(subjectId: $s) { scale takenOn score assessor } }',
          { s: subjectId },
        );
      /** The inbox items about one import, acknowledged so that they are read once. */
      async function batchReports(importId: string, batches: number) {
        const key = connectorKeys.get('school-east')!;
        const seen: Array<{ batch: number; applied: number; unchanged: number; rejected: Array<{ line: number; code: string; reason: string }> }> = [];
        await eventually(
          async () => {
            const res = await hub.fetch(new Request('http://hub/connectors/school-east/v1/inbox?limit=500', { headers: { authorization: `Bearer ${key}` } }));
            const items = ((await res.json()) as { items: Array<{ id: string; kind: string; payload: Record<string, unknown> }> }).items;
            const mine = items.filter((i) => i.kind === 'screening-batch-applied' && i.payload.importId === importId);
            seen.push(...mine.map((i) => i.payload as unknown as (typeof seen)[number]));
            if (mine.length > 0)
              await hub.fetch(
                new Request('http://hub/connectors/school-east/v1/inbox/ack', {
                  method: 'POST',
                  headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
                  body: JSON.stringify({ ids: mine.map((i) => i.id) }),
                }),
              );
            return seen.length >= batches;
          },
          { what: `the hub's report on import ${importId}` },
        );
        return seen.sort((a, b) => a.batch - b.batch);
      }

      async function enrolNumbered(count: number): Promise<Array<{ id: string; number: string }>> {
        const students = Array.from({ length: count }, () => {
          const n = randomUUID().slice(0, 8);
          return { id: `subj-scr-${n}`, number: `E-${n}` };
        });
        for (const s of students)
          await hub.sql.query('INSERT INTO subjects (id, school_agency_id, grade, local_ref) VALUES ($1, $2, 8, $3)', [s.id, 'school-east', s.number]);
        return students;
      }

      it("lands a census file in the students' records, reports what it could not place, and changes nothing when sent again", async () => {
        const [a, b] = await enrolNumbered(2);
        const csv = [
          'student_number,pseudonym,scale,score,taken_on,assessor',
          `${a!.number},${a!.id},PHQ-9,14,2026-09-15,teacher-chen`,
          `${a!.number},,GAD-7,9,2026-09-15,teacher-chen`,
          `${b!.number},,PHQ-9,3,2026-09-15,teacher-chen`,
          'E-not-enrolled,,PHQ-9,3,2026-09-15,teacher-chen',
          `${b!.number},${a!.id},GAD-7,2,2026-09-15,teacher-chen`,
          `${b!.number},,PHQ-9,40,2026-09-15,teacher-chen`,
        ].join('\n');
        const first = await upload('school-east', csv);
        expect(first.status).toBe(202);
        const report = (await first.json()) as { importId: string; rows: number; accepted: number; rejected: unknown[]; batches: number };
        expect(report).toMatchObject({ rows: 6, accepted: 5, batches: 1 });
        expect(report.rejected).toEqual([{ line: 7, code: 'INVALID_VALUE', reason: "score is not a number within the scale's range" }]);
        const [applied] = await batchReports(report.importId, 1);
        expect(applied).toMatchObject({
          applied: 3,
          unchanged: 0,
          rejected: [
            { line: 5, code: 'UNKNOWN_STUDENT', reason: 'no student with this number is enrolled at the school' },
            { line: 6, code: 'PSEUDONYM_MISMATCH', reason: 'the pseudonym does not match the student number' },
          ],
        });
        const record = await results(teacher, a!.id);
        expect(record.data!.screeningResults).toEqual([
          { scale: 'GAD-7', takenOn: '2026-09-15', score: 9, assessor: 'teacher-chen' },
          { scale: 'PHQ-9', takenOn: '2026-09-15', score: 14, assessor: 'teacher-chen' },
        ]);

        const again = (await (await upload('school-east', csv)).json()) as { importId: string };
        const [unchanged] = await batchReports(again.importId, 1);
        expect(unchanged).toMatchObject({ applied: 0, unchanged: 3 });

        const corrected = csv.replace(`${a!.number},${a!.id},PHQ-9,14`, `${a!.number},${a!.id},PHQ-9,15`);
        const third = (await (await upload('school-east', corrected)).json()) as { importId: string };
        expect((await batchReports(third.importId, 1))[0]).toMatchObject({ applied: 1, unchanged: 2 });
        expect((await results(teacher, a!.id)).data!.screeningResults.find((r) => r.scale === 'PHQ-9')!.score).toBe(15);

        // New results, corrected ones and unchanged ones in one batch: each counted once, each on record.
        const mixed = `${corrected.replace(`${a!.number},,GAD-7,9`, `${a!.number},,GAD-7,10`)}\n${b!.number},,GAD-7,4,2026-10-15,teacher-chen`;
        const fourth = (await (await upload('school-east', mixed)).json()) as { importId: string };
        expect((await batchReports(fourth.importId, 1))[0]).toMatchObject({ applied: 2, unchanged: 2 });
        expect((await results(teacher, a!.id)).data!.screeningResults.map((r) => [r.scale, r.score])).toEqual([
          ['GAD-7', 10],
          ['PHQ-9', 15],
        ]);
        expect((await results(teacher, b!.id)).data!.screeningResults.map((r) => [r.scale, r.takenOn, r.score])).toEqual([
          ['GAD-7', '2026-10-15', 4],
          ['PHQ-9', '2026-09-15', 3],
        ]);
      });

      it('streams a large file in batches of 2,000 and applies every row', async () => {
        const students = await enrolNumbered(80);
        const lines = ['student_number,scale,score,taken_on,assessor'];
        // 80 students x 30 days x 2 scales = 4,800 rows: three batches.
        for (let day = 1; day <= 30; day++)
          for (const s of students)
            for (const scale of ['PHQ-9', 'GAD-7']) lines.push(`${s.number},${scale},${day % 22},2026-09-${String(day).padStart(2, '0')},t1`);
        const response = await upload('school-east', lines.join('\n'));
        const report = (await response.json()) as { importId: string; accepted: number; batches: number };
        expect(report).toMatchObject({ accepted: 4800, batches: 3 });
        const applied = await batchReports(report.importId, 3);
        expect(applied.reduce((n, b) => n + b.applied, 0)).toBe(4800);
      });

      it('applies the first batches while the file is still arriving, and keeps them when the file then runs over the limit', { timeout: 60_000 }, async () => {
        const students = await enrolNumbered(50);
        // 100 rows a day (50 students × 2 scales), each day its own result: 20 days are the first batch of 2,000.
        const day = (d: number) => new Date(Date.UTC(2026, 5, 1) + d * 86_400_000).toISOString().slice(0, 10);
        const rowsOf = (d: number) => students.flatMap((s) => ['PHQ-9', 'GAD-7'].map((scale) => `${s.number},${scale},${d % 22},${day(d)},t1\n`)).join('');
        const ids = students.map((s) => s.id);
        const onRecord = async () =>
          Number((await hub.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM screening_results WHERE subject_id = ANY($1::text[])', [ids]))[0]?.n);
        let next = 0;
        let appliedWhileSending = -1;
        const encoder = new TextEncoder();
        const body = new ReadableStream<Uint8Array>(
          {
            async pull(controller) {
              if (next === 0)
                controller.enqueue(encoder.encode(`student_number,scale,score,taken_on,assessor\n${Array.from({ length: 20 }, (_, d) => rowsOf(d)).join('')}`));
              else if (next === 30) {
                // Ten days past the first batch (a parser looks a little ahead), the school's system holds the rest of
                // the file until the hub has applied that batch (or 20 s).
                const until = Date.now() + 20_000;
                while ((appliedWhileSending = await onRecord()) < 2000 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
                controller.enqueue(encoder.encode(rowsOf(next)));
              } else if (next < 160) controller.enqueue(encoder.encode(rowsOf(next)));
              else controller.close();
              next = next === 0 ? 20 : next + 1;
            },
          },
          { highWaterMark: 0 },
        );
        const response = await upload('school-east', body);
        // The whole file (16,000 rows, ~530 kB) is over this hub's 256 kB import limit.
        expect(response.status).toBe(413);
        const answer = (await response.json()) as { error: { code: string; importId: string; batches: number } };
        expect(answer.error.code).toBe('PAYLOAD_TOO_LARGE');
        expect(appliedWhileSending).toBe(2000);
        // What was read before the limit went to the hub in whole batches, and stays applied.
        const { importId, batches } = answer.error;
        expect(batches).toBeGreaterThanOrEqual(1);
        const reports = await batchReports(importId, batches);
        expect(reports.reduce((n, r) => n + r.applied, 0)).toBe(2000 * batches);
        expect(await onRecord()).toBe(2000 * batches);
      });

      it("shows a student's results to nobody but the school's psychology staff, answering as for an unknown child", async () => {
        const [s] = await enrolNumbered(1);
        await upload('school-east', `student_number,scale,score,taken_on,assessor\n${s!.number},PHQ-9,5,2026-09-15,t1`);
        for (const token of [mentor, westTeacher, liaison, bureau]) {
          const hidden = await results(token, s!.id);
          const unknown = await results(token, 'subj-nobody');
          expect(errorCode(hidden)).toBe('NOT_FOUND');
          expect(JSON.stringify(hidden).replace(s!.id, 'X')).toBe(JSON.stringify(unknown).replace('subj-nobody', 'X'));
        }
      });

      it("refuses the import door to cross-site content types, people's tokens and hostile files, and never fails with a 5xx", async () => {
        const [s] = await enrolNumbered(1);
        const csv = `student_number,scale,score,taken_on,assessor\n${s!.number},PHQ-9,5,2026-09-15,t1`;
        // The types a browser may send cross-site without a preflight: none of them opens the door.
        for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x'])
          expect((await upload('school-east', csv, { type })).status).toBe(415);
        // A person's token (even the school's psychology teacher) is not the school system's credential.
        expect((await upload('school-east', csv, { key: teacher })).status).toBe(401);
        expect((await upload('school-east', csv, { key: 'Basic c2Nob29sOmVhc3Q=' })).status).toBe(401);
        const hostile: Array<[string, BodyInit]> = [
          ['binary', new Uint8Array(Array.from({ length: 4096 }, (_, i) => (i * 37) % 256))],
          ['a header of ten thousand columns', Array.from({ length: 10_000 }, (_, i) => `c${i}`).join(',')],
          ['a NUL in a cell', `student_number,scale,score,taken_on,assessor\n${s!.number}\u0000,PHQ-9,5,2026-09-15,t1`],
          ['a formula in a cell', `student_number,scale,score,taken_on,assessor\n=HYPERLINK("x"),PHQ-9,5,2026-09-15,t1`],
          ['invalid UTF-8', new Uint8Array([...Buffer.from('student_number,scale,score,taken_on,assessor\n'), 0xff, 0xfe, 0x2c, 0x0a])],
        ];
        for (const [what, body] of hostile) {
          const res = await upload('school-east', body);
          expect(res.status, what).toBeLessThan(500);
          const answer = (await res.json()) as { error?: { code: string }; accepted?: number };
          expect(answer.error?.code === 'BAD_USER_INPUT' || answer.accepted === 0, what).toBe(true);
        }
        // Nothing hostile reached the student's record.
        expect((await results(teacher, s!.id)).data!.screeningResults).toEqual([]);
      });

      it("refuses an import without credentials, with another agency's key, of the wrong type, too large, or without its header", async () => {
        const csv = 'student_number,scale,score,taken_on,assessor\nE-1,PHQ-9,5,2026-09-15,t1';
        expect((await upload('school-east', csv, { key: null })).status).toBe(401);
        expect((await upload('school-east', csv, { key: connectorKeys.get('school-west') })).status).toBe(401);
        expect((await upload('school-east', csv, { key: connectorKeys.get('hospital-kangning') })).status).toBe(401);
        expect((await upload('hospital-kangning', csv, { key: connectorKeys.get('hospital-kangning') })).status).toBe(404);
        expect((await upload('school-east', csv, { type: 'application/json' })).status).toBe(415);
        const huge = await upload('school-east', `student_number,scale,score,taken_on,assessor\n${'E-1,PHQ-9,5,2026-09-15,t1\n'.repeat(20_000)}`);
        expect(huge.status).toBe(413);
        const headless = await upload('school-east', 'E-1,PHQ-9,5,2026-09-15,t1\n');
        expect(headless.status).toBe(400);
        expect(((await headless.json()) as { error: { code: string } }).error.code).toBe('BAD_USER_INPUT');
      });
    });

    // Last: it moves the hub's clock days ahead, so the tokens minted above expire.
    describe('care around the student', () => {
      const DAY = 24 * 3600_000;
      const tasksQuery =
        'query($open: Boolean) { careTasks(first: 100, openOnly: $open) { items { id subjectId kind cause assigneeUserId dueAt doneAt outcome overdueRaisedAt } } }';
      type Task = {
        id: string;
        subjectId: string;
        kind: string;
        cause: string;
        assigneeUserId: string | null;
        dueAt: string;
        doneAt: string | null;
        overdueRaisedAt: string | null;
      };
      const tasksOf = async (token: string, subjectId: string, open = false) =>
        (await gql<{ careTasks: { items: Task[] } }>(hub.fetch, token, tasksQuery, { open })).data!.careTasks.items.filter((t) => t.subjectId === subjectId);
      const assign = (subjectId: string, userId: string, role: string, token = teacher) =>
        gql<{ assignCarer: boolean }>(hub.fetch, token, 'mutation($s: ID!, $u: String!, $r: CarerRole!) { assignCarer(subjectId: $s, userId: $u, role: $r) }', {
          s: subjectId,
          u: userId,
          r: role,
        });
      const observe = (token: string, input: Record<string, unknown>) =>
        gql<{ recordObservation: { observationId: string; tasksCreated: number } }>(
          hub.fetch,
          token,
          'mutation($i: ObservationInput!) { recordObservation(input: $i) { observationId tasksCreated } }',
          { i: input },
        );
      const myStudents = async (token: string) =>
        (
          await gql<{ myStudents: { items: Array<{ subjectId: string; role: string; handleWithCare: boolean }> } }>(
            hub.fetch,
            token,
            '{ myStudents(first: 100) { items { subjectId role handleWithCare } } }',
          )
        ).data!.myStudents.items;

      it("closes a listing's tasks when the warning is lifted, books them afresh when it is raised again, and takes no date from the future", async () => {
        const subjectId = await student();
        const id = await listed(subjectId);
        expect((await tasksOf(teacher, subjectId, true)).length).toBe(2);
        const future = new Date(clock.now().getTime() + 3 * DAY).toISOString();
        const meeting = (await tasksOf(teacher, subjectId, true)).find((t) => t.kind === 'WEEKLY_MEETING')!;
        const early = await gql(hub.fetch, teacher, 'mutation($id: ID!, $at: DateTime) { completeCareTask(id: $id, outcome: "x", at: $at) { id } }', {
          id: meeting.id,
          at: future,
        });
        expect(errorCode(early)).toBe('BAD_USER_INPUT');
        const notice = await step(teacher, 'mutation($id: ID!, $n: WarningGuardianNoticeInput!) { recordWarningGuardianNotice(id: $id, notice: $n) { id } }', {
          id,
          n: { givenAt: future, channel: 'LETTER', givenBy: 'teacher-chen' },
        });
        expect(errorCode(notice)).toBe('BAD_USER_INPUT');
        await step(teacher, 'mutation($id: ID!) { reviewWarning(id: $id, reason: "Review.") { state } }', { id });
        await step(crisisTeam, 'mutation($id: ID!) { liftWarning(id: $id, reason: "Stable.") { state } }', { id });
        expect(await tasksOf(teacher, subjectId, true)).toEqual([]);
        await step(crisisTeam, 'mutation($id: ID!) { reraiseWarning(id: $id, reason: "Relapse.") { state } }', { id });
        expect((await tasksOf(teacher, subjectId, true)).map((t) => t.kind).sort()).toEqual(['HOME_VISIT', 'WEEKLY_MEETING']);
      });

      it('exports an id a spreadsheet would run as a formula as plain text', async () => {
        const subjectId = await student();
        const id = (await propose(mentor, subjectId)).data!.proposeForAssessment.id as string;
        await interview(teacher, id);
        await gql(hub.fetch, crisisTeam, 'mutation($id: ID!, $d: ConfirmAssessmentInput!) { confirmAssessment(id: $id, decision: $d) { id } }', {
          id,
          d: { category: 2, note: 'ok', ownerUserId: '-2-1', tags: [] },
        });
        const file = await gql<{ warningListExport: { content: string } }>(hub.fetch, teacher, '{ warningListExport(format: CSV) { content } }');
        const row = file.data!.warningListExport.content.split('\n').find((l) => l.includes(subjectId))!;
        expect(row).toContain(",'-2-1,");
      });

      it('counts the mentor grid and the termly and yearly cadences for the bureau, by who was assigned and when', async () => {
        const coverageQuery =
          '{ districtCareCoverage { term { from to } schools { school { id } students studentsWithMentor mentors talkedThisTerm mentorVisitedThisTerm studentsWithClassTeacher classTeacherVisitedThisYear } } }';
        type Coverage = { term: { from: string }; schools: Array<Record<string, number> & { school: { id: string } }> };
        const east = async () => {
          const c = (await gql<{ districtCareCoverage: Coverage }>(hub.fetch, bureau, coverageQuery)).data!.districtCareCoverage;
          return { term: c.term, counts: c.schools.find((s) => s.school.id === 'school-east')! };
        };
        const before = await east();
        const zhou = await tokenFor(hub.keyRing, 'school-east', 'mentor', { userId: 'mentor-zhou', clock });
        const wu = await tokenFor(hub.keyRing, 'school-east', 'class-teacher', { userId: 'ct-wu', clock });
        const [a, b] = [await student(), await student()];
        for (const s of [a, b]) await assign(s, 'mentor-zhou', 'MENTOR');
        await assign(a, 'ct-wu', 'CLASS_TEACHER');
        const contact = (token: string, subjectId: string, kind: string, at?: string) =>
          gql(
            hub.fetch,
            token,
            'mutation($s: ID!, $k: ContactKind!, $at: DateTime) { recordCarerContact(subjectId: $s, kind: $k, note: "Talked after class.", at: $at) }',
            {
              s: subjectId,
              k: kind,
              at: at ?? null,
            },
          );
        expect((await contact(zhou, a, 'TALK')).errors).toBeUndefined();
        expect((await contact(zhou, a, 'HOME_VISIT')).errors).toBeUndefined();
        // Last term's talk with b counts for last term, not this one.
        const lastTerm = new Date(new Date(before.term.from).getTime() - 10 * DAY).toISOString();
        expect((await contact(zhou, b, 'TALK', lastTerm)).errors).toBeUndefined();
        expect((await contact(wu, a, 'HOME_VISIT')).errors).toBeUndefined();
        // Not assigned to b: the class teacher learns nothing of b, and nothing is counted.
        expect(errorCode(await contact(wu, b, 'HOME_VISIT'))).toBe('NOT_FOUND');
        expect(errorCode(await contact(zhou, a, 'TALK', new Date(clock.now().getTime() + 2 * DAY).toISOString()))).toBe('BAD_USER_INPUT');
        const after = await east();
        const delta = (k: string) => after.counts[k]! - before.counts[k]!;
        expect(
          [
            'students',
            'studentsWithMentor',
            'mentors',
            'talkedThisTerm',
            'mentorVisitedThisTerm',
            'studentsWithClassTeacher',
            'classTeacherVisitedThisYear',
          ].map((k) => [k, delta(k)]),
        ).toEqual([
          ['students', 2],
          ['studentsWithMentor', 2],
          ['mentors', 1],
          ['talkedThisTerm', 1],
          ['mentorVisitedThisTerm', 1],
          ['studentsWithClassTeacher', 1],
          ['classTeacherVisitedThisYear', 1],
        ]);
        expect(errorCode(await gql(hub.fetch, teacher, coverageQuery))).toBe('NOT_FOUND');
      });

      it('counts the classes of the register that have at least three mentors (R11)', async () => {
        const query = '{ districtCareCoverage { mentorsPerClass schools { school { id } classes classesWithEnoughMentors } } }';
        type Coverage = { mentorsPerClass: number; schools: Array<{ school: { id: string }; classes: number; classesWithEnoughMentors: number }> };
        const east = async () => {
          const c = (await gql<{ districtCareCoverage: Coverage }>(hub.fetch, bureau, query)).data!.districtCareCoverage;
          return { perClass: c.mentorsPerClass, ...c.schools.find((s) => s.school.id === 'school-east')! };
        };
        const before = await east();
        expect(before.perClass).toBe(3);
        // One new class of four, as the school's register names it.
        const classRef = `7-${randomUUID().slice(0, 6)}`;
        const pupils = [await student(), await student(), await student(), await student()];
        await hub.sql.query('UPDATE subjects SET grade = 7, class_ref = $2 WHERE id = ANY($1::text[])', [pupils, classRef]);
        expect(await east()).toMatchObject({ classes: before.classes + 1, classesWithEnoughMentors: before.classesWithEnoughMentors });
        await assign(pupils[0]!, 'mentor-c1', 'MENTOR');
        await assign(pupils[1]!, 'mentor-c1', 'MENTOR');
        await assign(pupils[2]!, 'mentor-c2', 'MENTOR');
        expect(await east()).toMatchObject({ classesWithEnoughMentors: before.classesWithEnoughMentors });
        await assign(pupils[3]!, 'mentor-c3', 'MENTOR');
        expect(await east()).toMatchObject({ classes: before.classes + 1, classesWithEnoughMentors: before.classesWithEnoughMentors + 1 });
      });

      it('shows a mentor the handle-with-care flag of their own students only, and nothing of why', async () => {
        const subjectId = await student();
        expect((await assign(subjectId, 'mentor-wang', 'MENTOR')).data!.assignCarer).toBe(true);
        expect(await myStudents(mentor)).toContainEqual({ subjectId, role: 'MENTOR', handleWithCare: false });
        await listed(subjectId);
        expect(await myStudents(mentor)).toContainEqual({ subjectId, role: 'MENTOR', handleWithCare: true });
        expect((await myStudents(otherMentor)).map((s) => s.subjectId)).not.toContain(subjectId);
        // Only the psychology staff assign; a mentor asking about another school's student learns nothing.
        expect(errorCode(await assign(subjectId, 'mentor-li', 'MENTOR', mentor))).toBe('NOT_FOUND');
        const westStudent = `subj-care-west-${randomUUID().slice(0, 8)}`;
        await enrolStudents(hub.sql, [westStudent], 'school-west');
        expect(errorCode(await assign(westStudent, 'mentor-wang', 'MENTOR'))).toBe('NOT_FOUND');
        // The same person signing in with another role has no students of their own: refused, not a page of hidden
        // students whose cursor would name them.
        const asStaff = await tokenFor(hub.keyRing, 'school-east', 'staff', { userId: 'mentor-wang' });
        expect(errorCode(await gql(hub.fetch, asStaff, '{ myStudents(first: 1) { items { subjectId } endCursor hasMore } }'))).toBe('FORBIDDEN');
      });

      it("turns an observation with any of the four triggers into a home visit due at once, for the student's mentor", async () => {
        const subjectId = await student();
        await assign(subjectId, 'mentor-wang', 'MENTOR');
        const guard = await tokenFor(hub.keyRing, 'school-east', 'staff', { userId: 'guard-liu', clock });
        const calm = await observe(guard, { subjectId, note: 'Quiet at the gate, nothing unusual.' });
        expect(calm.data!.recordObservation.tasksCreated).toBe(0);
        const worrying = await observe(guard, { subjectId, triggers: ['UNUSUAL_EMOTION', 'LATE_OR_ABSENT'], note: 'Crying at the gate; late three days.' });
        expect(worrying.data!.recordObservation.tasksCreated).toBe(1);
        const [visit] = await tasksOf(mentor, subjectId);
        expect(visit).toMatchObject({ kind: 'HOME_VISIT', cause: 'LATE_OR_ABSENT+UNUSUAL_EMOTION', assigneeUserId: 'mentor-wang', doneAt: null });
        expect(Math.abs(new Date(visit!.dueAt).getTime() - clock.now().getTime())).toBeLessThan(60_000);
        // Another mentor sees none of it; the observer files but does not see the task.
        expect(await tasksOf(otherMentor, subjectId)).toEqual([]);
        expect(await tasksOf(guard, subjectId)).toEqual([]);
        const bad = await observe(guard, { subjectId, triggers: ['NOT_A_TRIGGER'], note: 'x' });
        expect(errorCode(bad)).toBe('BAD_USER_INPUT');
        expect(errorCode(await observe(liaison, { subjectId, note: 'x' }))).toBe('NOT_FOUND');
      });

      it("books a listed student's weekly meeting and home visit, the next meeting when one is held, and raises what falls due unheld", async () => {
        const subjectId = await student();
        await assign(subjectId, 'mentor-wang', 'MENTOR');
        await listed(subjectId);
        const booked = await tasksOf(teacher, subjectId);
        expect(booked.map((t) => [t.kind, t.cause, t.assigneeUserId]).sort()).toEqual([
          ['HOME_VISIT', 'LISTED', 'mentor-wang'],
          ['WEEKLY_MEETING', 'LISTED', 'teacher-chen'],
        ]);
        for (const t of booked) expect(Math.round((new Date(t.dueAt).getTime() - clock.now().getTime()) / DAY)).toBe(7);

        const meeting = booked.find((t) => t.kind === 'WEEKLY_MEETING')!;
        const held = await gql<{ completeCareTask: { doneAt: string; outcome: string } }>(
          hub.fetch,
          teacher,
          'mutation($id: ID!) { completeCareTask(id: $id, outcome: "Talked about exams; calmer.") { doneAt outcome } }',
          { id: meeting.id },
        );
        expect(held.data!.completeCareTask.outcome).toBe('Talked about exams; calmer.');
        const again = await gql(hub.fetch, teacher, 'mutation($id: ID!) { completeCareTask(id: $id, outcome: "twice") { id } }', { id: meeting.id });
        expect(errorCode(again)).toBe('BAD_USER_INPUT');
        const next = (await tasksOf(teacher, subjectId, true)).filter((t) => t.kind === 'WEEKLY_MEETING');
        expect(next).toHaveLength(1);
        expect(next[0]!.cause).toBe('WEEKLY');
        // A mentor cannot close the psychology teacher's meeting.
        expect(errorCode(await gql(hub.fetch, mentor, 'mutation($id: ID!) { completeCareTask(id: $id, outcome: "x") { id } }', { id: next[0]!.id }))).toBe(
          'NOT_FOUND',
        );

        // Eight days on, nothing else held: the home visit and the next meeting are overdue, raised once, and the school's system is told.
        offsetMs += 8 * DAY;
        const raised = await hub.care.raiseOverdueTasks();
        expect(raised).toBeGreaterThanOrEqual(2);
        expect(await hub.care.raiseOverdueTasks()).toBe(0);
        const freshTeacher = await tokenFor(hub.keyRing, 'school-east', 'psychology-teacher', { userId: 'teacher-chen', clock });
        const overdue = (await tasksOf(freshTeacher, subjectId, true)).filter((t) => t.overdueRaisedAt);
        expect(overdue.map((t) => t.kind).sort()).toEqual(['HOME_VISIT', 'WEEKLY_MEETING']);
        const key = connectorKeys.get('school-east')!;
        await eventually(
          async () => {
            const res = await hub.fetch(new Request('http://hub/connectors/school-east/v1/inbox?limit=500', { headers: { authorization: `Bearer ${key}` } }));
            const items = ((await res.json()) as { items: Array<{ kind: string; payload: { taskId: string } }> }).items;
            const ids = items.filter((i) => i.kind === 'care-task-overdue').map((i) => i.payload.taskId);
            return overdue.every((t) => ids.includes(t.id));
          },
          { what: 'the overdue tasks in the school inbox' },
        );
      });
    });
  });
}
