import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hub, HubOptions } from '../create-hub.js';
import { enrolStudents, errorCode, eventually, gql, subscribeSse, tokenFor } from '../../test/support/hub-client.js';
import { referralInput } from '../../test/support/referral-fixtures.js';

const CONSENT_FIELDS = 'id subjectId guardianUserId purposes categories recipients validUntil evidence version revokedAt holds';
const CLINICAL_WATCH =
  'subscription($id: ID!) { referralStatusChanged(id: $id) { id state treatmentUpdates { kind guidance clinical { diagnoses { code } medication } } } }';

/**
 * Guardians, consents and the people around the child through the GraphQL door (issue 9), on every deployment
 * (embedded PGlite; Kafka and PostgreSQL) by the suites that import it.
 */
export function describeConsent(deployment: string, start: (options: HubOptions) => Promise<{ hub: Hub; stop(): Promise<void> }>) {
  describe(`guardians and consent (${deployment})`, () => {
    let hub: Hub;
    let stopHub: () => Promise<void>;
    let teacher: string;
    let westTeacher: string;
    let mentor: string;
    let liaison: string;
    let bureau: string;
    // Real time until the break-glass test moves it past the emergency's window.
    let offsetMs = 0;
    const clock = { now: () => new Date(Date.now() + offsetMs) };

    beforeAll(async () => {
      const started = await start({
        embedConnectors: true,
        relayIntervalMs: 50,
        retentionIntervalMs: 0,
        deadlineCheckIntervalMs: 0,
        auditCheckpointIntervalMs: 0,
        emergencyWindowMs: 30 * 60_000,
        clock,
      });
      hub = started.hub;
      stopHub = () => started.stop();
      teacher = await tokenFor(hub.keyRing, 'school-east', 'psychology-teacher', { userId: 'teacher-chen' });
      westTeacher = await tokenFor(hub.keyRing, 'school-west', 'psychology-teacher', { userId: 'teacher-xu' });
      mentor = await tokenFor(hub.keyRing, 'school-east', 'mentor', { userId: 'mentor-wang' });
      liaison = await tokenFor(hub.keyRing, 'hospital-kangning', 'hospital-liaison', { userId: 'dr-lin' });
      bureau = await tokenFor(hub.keyRing, 'bureau-haishu', 'bureau-analyst', { userId: 'inspector-gu' });
    });
    afterAll(() => stopHub());

    async function child(): Promise<string> {
      const id = `subj-cns-${randomUUID().slice(0, 8)}`;
      await enrolStudents(hub.sql, [id]);
      return id;
    }
    /** A guardian the school issued an identity to, linked to `subjectId`. */
    async function guardianOf(subjectId: string, userId = `guardian-${randomUUID().slice(0, 6)}`) {
      const linked = await gql<{ linkGuardian: boolean }>(
        hub.fetch,
        teacher,
        'mutation($s: ID!, $g: String!) { linkGuardian(subjectId: $s, guardianUserId: $g) }',
        {
          s: subjectId,
          g: userId,
        },
      );
      expect(linked.data!.linkGuardian).toBe(true);
      return { userId, token: await tokenFor(hub.keyRing, 'school-east', 'guardian', { userId }) };
    }
    const grant = (token: string, input: Record<string, unknown>) =>
      gql<{ grantConsent: Record<string, unknown> }>(hub.fetch, token, `mutation($i: ConsentInput!) { grantConsent(input: $i) { ${CONSENT_FIELDS} } }`, {
        i: input,
      });
    const accessLog = (token: string, subjectId: string) =>
      gql<{ accessLog: { items: Array<Record<string, unknown>> } }>(
        hub.fetch,
        token,
        'query($s: ID!) { accessLog(subjectId: $s) { items { agencyId role action allowed } } }',
        {
          s: subjectId,
        },
      );

    it('lets a guardian the school linked see their child and who saw the child’s data, and no other child', async () => {
      const subjectId = await child();
      const other = await child();
      const guardian = await guardianOf(subjectId);
      const children = await gql<{ myChildren: unknown[] }>(hub.fetch, guardian.token, '{ myChildren { subjectId schoolAgencyId } }');
      expect(children.data!.myChildren).toEqual([{ subjectId, schoolAgencyId: 'school-east' }]);
      await gql(hub.fetch, teacher, 'query($s: ID!) { screeningResults(subjectId: $s) { scale } }', { s: subjectId });
      const log = await accessLog(guardian.token, subjectId);
      expect(log.data!.accessLog.items).toContainEqual({
        agencyId: 'school-east',
        role: 'psychology-teacher',
        action: 'warning.read-screening',
        allowed: true,
      });
      expect(errorCode(await accessLog(guardian.token, other))).toBe('NOT_FOUND');
      // The guardian sees which organisation looked, in which role and why: not the staff's names, not refusals.
      await gql(hub.fetch, westTeacher, 'query($s: ID!) { screeningResults(subjectId: $s) { scale } }', { s: subjectId });
      const detailed = await gql<{ accessLog: { items: Array<Record<string, unknown>> } }>(
        hub.fetch,
        guardian.token,
        'query($s: ID!) { accessLog(subjectId: $s, first: 100) { items { agencyId userId correlationId allowed } } }',
        { s: subjectId },
      );
      expect(detailed.data!.accessLog.items.length).toBeGreaterThan(0);
      expect(detailed.data!.accessLog.items.every((e) => e.userId === null && e.correlationId === null && e.allowed === true)).toBe(true);
      const staffView = await gql<{ accessLog: { items: Array<Record<string, unknown>> } }>(
        hub.fetch,
        teacher,
        'query($s: ID!) { accessLog(subjectId: $s, first: 100) { items { agencyId userId allowed } } }',
        { s: subjectId },
      );
      expect(staffView.data!.accessLog.items).toContainEqual({ agencyId: 'school-west', userId: 'teacher-xu', allowed: false });
      // A guardian is nobody's staff: no list, no warning register, no students.
      expect(errorCode(await gql(hub.fetch, guardian.token, '{ students { items { id } } }'))).toBe('FORBIDDEN');
      expect(errorCode(await gql(hub.fetch, guardian.token, '{ warnings { items { id } } }'))).toBe('FORBIDDEN');
      // Only a school issues guardian identities.
      const forged = await tokenFor(hub.keyRing, 'hospital-kangning', 'guardian', { userId: guardian.userId });
      expect(errorCode(await accessLog(forged, subjectId))).toBe('UNAUTHENTICATED');
    });

    it('walks a guardian’s access log without a page, cursor or count that tells of an entry they are not shown', async () => {
      const subjectId = await child();
      const guardian = await guardianOf(subjectId);
      const coGuardian = await guardianOf(subjectId);
      // Shown to the guardian: the school's reads. Not shown: another school's refused read, and the school's
      // bookkeeping about the other guardian (a suspicion recorded and cleared).
      await gql(hub.fetch, teacher, 'query($s: ID!) { screeningResults(subjectId: $s) { scale } }', { s: subjectId });
      await gql(hub.fetch, westTeacher, 'query($s: ID!) { screeningResults(subjectId: $s) { scale } }', { s: subjectId });
      for (const suspected of [true, false])
        await gql(
          hub.fetch,
          teacher,
          'mutation($s: ID!, $g: String!, $x: Boolean!) { recordGuardianConcern(subjectId: $s, guardianUserId: $g, suspected: $x, reason: "Under review.") }',
          {
            s: subjectId,
            g: coGuardian.userId,
            x: suspected,
          },
        );
      await gql(hub.fetch, teacher, 'query($s: ID!) { screeningResults(subjectId: $s) { scale } }', { s: subjectId });
      type LogPage = { accessLog: { items: Array<{ action: string }>; endCursor: string | null; hasMore: boolean } };
      const all = (
        await gql<LogPage>(hub.fetch, guardian.token, 'query($s: ID!) { accessLog(subjectId: $s, first: 100) { items { action } hasMore } }', { s: subjectId })
      ).data!.accessLog;
      expect(all.hasMore).toBe(false);
      // The school's two reads at least: a walk over nothing would prove nothing.
      expect(all.items.filter((e) => e.action === 'warning.read-screening').length).toBeGreaterThanOrEqual(2);
      expect(all.items.every((e) => !e.action.startsWith('consent.') && !e.action.startsWith('subject.read-access'))).toBe(true);
      const walked: string[] = [];
      let after: string | null = null;
      for (let i = 0; i < 100; i++) {
        const page: LogPage['accessLog'] = (
          await gql<LogPage>(
            hub.fetch,
            guardian.token,
            'query($s: ID!, $a: String) { accessLog(subjectId: $s, first: 1, after: $a) { items { action } endCursor hasMore } }',
            {
              s: subjectId,
              a: after,
            },
          )
        ).data!.accessLog;
        // One entry a page, or the end: an empty page with a cursor would be an entry the guardian is not shown.
        expect(page.items.length === 1 || (page.endCursor === null && !page.hasMore)).toBe(true);
        walked.push(...page.items.map((e) => e.action));
        if (!page.hasMore) break;
        after = page.endCursor;
      }
      expect(walked).toEqual(all.items.map((e) => e.action));
    });

    it('shows a guardian suspected of harm nothing while the suspicion stands, and records the exception', async () => {
      const subjectId = await child();
      const guardian = await guardianOf(subjectId);
      const concern = (suspected: boolean) =>
        gql(
          hub.fetch,
          teacher,
          'mutation($s: ID!, $g: String!, $x: Boolean!) { recordGuardianConcern(subjectId: $s, guardianUserId: $g, suspected: $x, reason: "Bruises the child attributes to the father.") }',
          {
            s: subjectId,
            g: guardian.userId,
            x: suspected,
          },
        );
      expect((await concern(true)).errors).toBeUndefined();
      expect(errorCode(await accessLog(guardian.token, subjectId))).toBe('NOT_FOUND');
      expect((await gql<{ myChildren: unknown[] }>(hub.fetch, guardian.token, '{ myChildren { subjectId } }')).data!.myChildren).toEqual([]);
      const stored = await hub.sql.query<{ suspicion_reason: string; suspicion_recorded_by: string }>(
        'SELECT suspicion_reason, suspicion_recorded_by FROM guardian_links WHERE subject_id = $1',
        [subjectId],
      );
      expect(stored[0]).toMatchObject({ suspicion_recorded_by: 'teacher-chen', suspicion_reason: expect.stringMatching(/^enc:v1:/) as string });
      // A mentor may not record or clear one.
      expect(
        errorCode(
          await gql(hub.fetch, mentor, 'mutation($s: ID!, $g: String!) { recordGuardianConcern(subjectId: $s, guardianUserId: $g, suspected: false) }', {
            s: subjectId,
            g: guardian.userId,
          }),
        ),
      ).toBe('NOT_FOUND');
      expect((await concern(false)).errors).toBeUndefined();
      expect((await accessLog(guardian.token, subjectId)).errors).toBeUndefined();
    });

    it('keeps a standing suspicion under review: the school sees who recorded it, when and why, reviews it when due, and clears it; nobody else sees it', async () => {
      const subjectId = await child();
      const guardian = await guardianOf(subjectId);
      const LINK =
        'subjectId guardianUserId linkedBy suspectedOfHarm reviewDueAt concern { recordedBy recordedAt reason reviewedBy reviewedAt reviews { at by outcome note } }';
      type Link = { subjectId: string; guardianUserId: string; suspectedOfHarm: boolean; reviewDueAt: string | null; concern: Record<string, unknown> | null };
      const guardians = (token: string, s = subjectId) =>
        gql<{ guardians: Link[] }>(hub.fetch, token, `query($s: ID!) { guardians(subjectId: $s) { ${LINK} } }`, { s });
      const queue = async () => {
        const answer = await gql<{ guardianConcerns: Link[] }>(hub.fetch, teacher, `{ guardianConcerns(first: 100) { ${LINK} } }`);
        expect(answer.errors).toBeUndefined();
        return answer.data!.guardianConcerns;
      };
      const review = (token: string, note: string) =>
        gql(hub.fetch, token, 'mutation($s: ID!, $g: String!, $n: String!) { reviewGuardianConcern(subjectId: $s, guardianUserId: $g, note: $n) }', {
          s: subjectId,
          g: guardian.userId,
          n: note,
        });
      const DAY = 24 * 3600_000;

      expect((await guardians(teacher)).data!.guardians).toEqual([
        { subjectId, guardianUserId: guardian.userId, linkedBy: 'teacher-chen', suspectedOfHarm: false, reviewDueAt: null, concern: null },
      ]);
      expect(errorCode(await review(teacher, 'Nothing stands yet.'))).toBe('NOT_FOUND');
      await gql(
        hub.fetch,
        teacher,
        'mutation($s: ID!, $g: String!) { recordGuardianConcern(subjectId: $s, guardianUserId: $g, suspected: true, reason: "Bruises the child attributes to the father.") }',
        {
          s: subjectId,
          g: guardian.userId,
        },
      );
      const [recorded] = (await guardians(teacher)).data!.guardians;
      expect(recorded).toMatchObject({
        suspectedOfHarm: true,
        concern: { recordedBy: 'teacher-chen', reason: 'Bruises the child attributes to the father.', reviewedBy: null, reviewedAt: null, reviews: [] },
      });
      const recordedAt = Date.parse(recorded!.concern!.recordedAt as string);
      expect(Date.parse(recorded!.reviewDueAt!) - recordedAt).toBe(30 * DAY);
      // The school's review queue holds it, the longest unreviewed first.
      const due = await queue();
      expect(due.map((l) => l.subjectId)).toContain(subjectId);
      const dueTimes = due.map((l) => Date.parse(l.reviewDueAt!));
      expect(dueTimes).toEqual([...dueTimes].sort((a, b) => a - b));

      // Recording it again would restart the clock without a review.
      const again = await gql(
        hub.fetch,
        teacher,
        'mutation($s: ID!, $g: String!) { recordGuardianConcern(subjectId: $s, guardianUserId: $g, suspected: true, reason: "Again.") }',
        { s: subjectId, g: guardian.userId },
      );
      expect(errorCode(again)).toBe('INVALID_TRANSITION');

      // Reviewed twice: the suspicion stands, every review is kept (notes sealed at rest), the next review moves on.
      expect((await review(teacher, 'Social services visit pending; keep in place.')).errors).toBeUndefined();
      expect((await review(teacher, 'Visit done; keep until the court hearing.')).errors).toBeUndefined();
      const [reviewed] = (await guardians(teacher)).data!.guardians;
      expect(reviewed).toMatchObject({ suspectedOfHarm: true, concern: { recordedBy: 'teacher-chen', reviewedBy: 'teacher-chen' } });
      expect((reviewed!.concern!.reviews as Array<Record<string, unknown>>).map((r) => [r.by, r.outcome, r.note])).toEqual([
        ['teacher-chen', 'KEPT', 'Social services visit pending; keep in place.'],
        ['teacher-chen', 'KEPT', 'Visit done; keep until the court hearing.'],
      ]);
      expect(Date.parse(reviewed!.reviewDueAt!) - Date.parse(reviewed!.concern!.reviewedAt as string)).toBe(30 * DAY);
      const stored = await hub.sql.query<{ note: string }>('SELECT note FROM guardian_concern_reviews WHERE subject_id = $1', [subjectId]);
      expect(stored).toHaveLength(2);
      for (const row of stored) expect(row.note).toMatch(/^enc:v1:/);
      expect((await gql<{ myChildren: unknown[] }>(hub.fetch, guardian.token, '{ myChildren { subjectId } }')).data!.myChildren).toEqual([]);

      // Nobody else learns of it: not a mentor, not another school (answered as for a child that does not exist), not
      // the guardian; none of them reviews it or keeps a queue.
      const unknown = await guardians(westTeacher, `subj-none-${randomUUID().slice(0, 6)}`);
      // A guardian no suspicion stands against is answered the same, so the answer never tells a guardian which they are.
      const otherGuardian = await guardianOf(subjectId);
      for (const token of [mentor, westTeacher, guardian.token, otherGuardian.token]) {
        const answer = await guardians(token);
        expect(errorCode(answer)).toBe('NOT_FOUND');
        expect(answer.errors![0]!.extensions).toEqual(unknown.errors![0]!.extensions);
        expect(errorCode(await review(token, 'Looks fine to me.'))).toBe('NOT_FOUND');
      }
      expect(errorCode(await gql(hub.fetch, mentor, '{ guardianConcerns { subjectId } }'))).toBe('FORBIDDEN');
      expect(
        (await gql<{ guardianConcerns: Link[] }>(hub.fetch, westTeacher, `{ guardianConcerns { subjectId } }`)).data!.guardianConcerns.map((l) => l.subjectId),
      ).not.toContain(subjectId);

      // Cleared: it leaves the queue, the record of it and of its reviews stays.
      await gql(
        hub.fetch,
        teacher,
        'mutation($s: ID!, $g: String!) { recordGuardianConcern(subjectId: $s, guardianUserId: $g, suspected: false, reason: "Court found no case.") }',
        { s: subjectId, g: guardian.userId },
      );
      const [cleared] = (await guardians(teacher)).data!.guardians.filter((l) => l.guardianUserId === guardian.userId);
      expect(cleared).toMatchObject({ suspectedOfHarm: false, reviewDueAt: null, concern: { recordedBy: 'teacher-chen', reviewedBy: 'teacher-chen' } });
      expect((cleared!.concern!.reviews as Array<Record<string, unknown>>).map((r) => r.outcome)).toEqual(['KEPT', 'KEPT', 'CLEARED']);
      expect((await queue()).map((l) => l.subjectId)).not.toContain(subjectId);
      expect(errorCode(await review(teacher, 'Again.'))).toBe('NOT_FOUND');
    });

    it('keeps each school’s record of a suspicion its own after the child moves on, never shows a staff member one about themselves, and bounds the queue', async () => {
      const LINK = 'subjectId guardianUserId suspectedOfHarm concern { recordedBy reviewedBy reviews { by note } }';
      type Link = { subjectId: string; guardianUserId: string; suspectedOfHarm: boolean; concern: { reviewedBy: string | null; reviews: unknown[] } | null };
      const concernAbout = (token: string, subjectId: string, guardianUserId: string) =>
        gql(
          hub.fetch,
          token,
          'mutation($s: ID!, $g: String!) { recordGuardianConcern(subjectId: $s, guardianUserId: $g, suspected: true, reason: "Disclosed at school.") }',
          { s: subjectId, g: guardianUserId },
        );
      const review = (token: string, subjectId: string, guardianUserId: string) =>
        gql(hub.fetch, token, 'mutation($s: ID!, $g: String!, $n: String!) { reviewGuardianConcern(subjectId: $s, guardianUserId: $g, note: $n) }', {
          s: subjectId,
          g: guardianUserId,
          n: 'Reviewed.',
        });
      const guardians = async (token: string, subjectId: string) =>
        (await gql<{ guardians: Link[] }>(hub.fetch, token, `query($s: ID!) { guardians(subjectId: $s) { ${LINK} } }`, { s: subjectId })).data?.guardians;

      // East records a suspicion; the child moves to West, which links the same guardian identity (none stands there).
      const subjectId = await child();
      const guardian = await guardianOf(subjectId);
      expect((await concernAbout(teacher, subjectId, guardian.userId)).errors).toBeUndefined();
      await hub.sql.query("UPDATE subjects SET school_agency_id = 'school-west' WHERE id = $1", [subjectId]);
      const linked = await gql(hub.fetch, westTeacher, 'mutation($s: ID!, $g: String!) { linkGuardian(subjectId: $s, guardianUserId: $g) }', {
        s: subjectId,
        g: guardian.userId,
      });
      expect(linked.errors).toBeUndefined();
      // West acts on its own link only: no suspicion stands there, and East's is neither told of nor touched.
      expect(errorCode(await review(westTeacher, subjectId, guardian.userId))).toBe('NOT_FOUND');
      expect(await guardians(westTeacher, subjectId)).toEqual([{ subjectId, guardianUserId: guardian.userId, suspectedOfHarm: false, concern: null }]);
      // East keeps, reviews and sees its own record after the child has left.
      expect((await review(teacher, subjectId, guardian.userId)).errors).toBeUndefined();
      expect(await guardians(teacher, subjectId)).toEqual([
        {
          subjectId,
          guardianUserId: guardian.userId,
          suspectedOfHarm: true,
          concern: { recordedBy: 'teacher-chen', reviewedBy: 'teacher-chen', reviews: [{ by: 'teacher-chen', note: 'Reviewed.' }] },
        },
      ]);

      // A psychology teacher who is also a child's guardian does not work their own child's case as staff (colleagues
      // do), and what they are shown is the same before and after a colleague records a suspicion against them, so it
      // never tells them which (Minors Protection Law Art. 11): each answer is the one for a child they may not know of.
      const ownChild = await child();
      await guardianOf(ownChild, 'teacher-parent');
      const teacherParent = await tokenFor(hub.keyRing, 'school-east', 'psychology-teacher', { userId: 'teacher-parent' });
      const missingChild = `subj-none-${randomUUID().slice(0, 6)}`;
      const unknownAnswer = await gql(hub.fetch, teacherParent, 'query($s: ID!) { accessLog(subjectId: $s) { items { action } } }', { s: missingChild });
      expect(errorCode(unknownAnswer)).toBe('NOT_FOUND');
      const asStaff = async () => [
        await gql(hub.fetch, teacherParent, 'query($s: ID!) { accessLog(subjectId: $s) { items { action } } }', { s: ownChild }),
        await gql(hub.fetch, teacherParent, 'query($s: ID!) { guardians(subjectId: $s) { guardianUserId } }', { s: ownChild }),
        await gql(hub.fetch, teacherParent, 'query($s: ID!) { consents(subjectId: $s) { id } }', { s: ownChild }),
        await review(teacherParent, ownChild, 'teacher-parent'),
      ];
      const before = await asStaff();
      for (const answer of before) expect(answer.errors?.[0]?.extensions).toEqual(unknownAnswer.errors![0]!.extensions);
      expect(errorCode(await concernAbout(teacherParent, ownChild, 'teacher-parent'))).toBe('NOT_FOUND');
      // However the queue is paged, it never comes back short of an item they may not see, and their own is never in it.
      expect((await concernAbout(teacher, ownChild, 'teacher-parent')).errors).toBeUndefined();
      // Recorded long ago, so it heads the queue: the page a short answer would give away.
      await hub.sql.query("UPDATE guardian_links SET suspicion_recorded_at = '2020-01-01' WHERE subject_id = $1", [ownChild]);
      expect(await asStaff()).toEqual(before);
      // Their colleague still reads the child's record.
      expect((await gql(hub.fetch, teacher, 'query($s: ID!) { accessLog(subjectId: $s) { items { action } } }', { s: ownChild })).errors).toBeUndefined();
      const queue = async (token: string, first: number) =>
        (await gql<{ guardianConcerns: Link[] }>(hub.fetch, token, 'query($n: Int) { guardianConcerns(first: $n) { subjectId guardianUserId } }', { n: first }))
          .data!.guardianConcerns;
      const everyone = await queue(teacher, 100);
      expect(everyone.map((l) => l.guardianUserId)).toContain('teacher-parent');
      const others = everyone.filter((l) => l.guardianUserId !== 'teacher-parent');
      for (const first of [1, 2, 3]) expect(await queue(teacherParent, first)).toEqual(others.slice(0, first));

      // The queue's page size is 1 to 100, refused outside it.
      for (const first of [0, -5, 101])
        expect(errorCode(await gql(hub.fetch, teacher, 'query($n: Int) { guardianConcerns(first: $n) { subjectId } }', { n: first }))).toBe('BAD_USER_INPUT');
    });

    it('records consents from the school and the guardian, shows the guardian their own without the school’s evidence, and refuses strangers', async () => {
      const subjectId = await child();
      const guardian = await guardianOf(subjectId);
      const byGuardian = await grant(guardian.token, {
        subjectId,
        purposes: ['SIGNAL_SHARING'],
        categories: ['POLICE_NOTE'],
        recipients: ['SCHOOL'],
        evidence: 'Consented in the parents’ app.',
      });
      expect(byGuardian.data!.grantConsent).toMatchObject({
        guardianUserId: guardian.userId,
        purposes: ['SIGNAL_SHARING'],
        holds: true,
        evidence: null,
        version: 1,
      });
      const bySchool = await grant(teacher, {
        subjectId,
        guardianUserId: guardian.userId,
        purposes: ['TREATMENT_UPDATE_SHARING'],
        categories: ['SCHOOL_GUIDANCE', 'CLINICAL_DETAIL'],
        recipients: ['SCHOOL'],
        validUntil: '2030-01-01T00:00:00Z',
        evidence: 'Signed form 2026-117, scanned to the school file.',
      });
      expect(bySchool.data!.grantConsent).toMatchObject({ evidence: 'Signed form 2026-117, scanned to the school file.', holds: true });
      const seen = await gql<{ consents: Array<Record<string, unknown>> }>(
        hub.fetch,
        guardian.token,
        `query($s: ID!) { consents(subjectId: $s) { ${CONSENT_FIELDS} } }`,
        {
          s: subjectId,
        },
      );
      expect(seen.data!.consents).toHaveLength(2);
      expect(seen.data!.consents.every((c) => c.evidence === null)).toBe(true);

      const amended = await gql<{ amendConsent: Record<string, unknown> }>(
        hub.fetch,
        guardian.token,
        `mutation($id: ID!, $c: ConsentChangeInput!) { amendConsent(id: $id, change: $c) { ${CONSENT_FIELDS} } }`,
        {
          id: byGuardian.data!.grantConsent.id,
          c: {
            purposes: ['SIGNAL_SHARING'],
            categories: ['POLICE_NOTE'],
            recipients: ['SCHOOL'],
            validUntil: '2027-07-01T00:00:00Z',
            evidence: 'Until the end of the school year.',
          },
        },
      );
      expect(amended.data!.amendConsent).toMatchObject({ version: 2, validUntil: '2027-07-01T00:00:00.000Z' });
      expect(await hub.sql.query('SELECT version FROM consent_versions WHERE consent_id = $1', [byGuardian.data!.grantConsent.id])).toEqual([{ version: 1 }]);
      // What the school recorded from a signed form the guardian revokes and gives anew, but does not rewrite.
      const rewrite = await gql(hub.fetch, guardian.token, 'mutation($id: ID!, $c: ConsentChangeInput!) { amendConsent(id: $id, change: $c) { id } }', {
        id: bySchool.data!.grantConsent.id,
        c: { purposes: ['TREATMENT_UPDATE_SHARING'], categories: ['CLINICAL_DETAIL'], recipients: ['SCHOOL', 'HOSPITAL'], evidence: 'mine now' },
      });
      expect(errorCode(rewrite)).toBe('FORBIDDEN');
      // Another guardian of the same child learns nothing of this guardian's consents.
      const coGuardian = await guardianOf(subjectId);
      const foreign = await gql(hub.fetch, coGuardian.token, 'mutation($id: ID!) { revokeConsent(id: $id) { id } }', { id: byGuardian.data!.grantConsent.id });
      const missing = await gql(hub.fetch, coGuardian.token, 'mutation($id: ID!) { revokeConsent(id: $id) { id } }', { id: 'cns-no-such-consent' });
      expect(errorCode(foreign)).toBe('NOT_FOUND');
      expect(foreign.errors![0]!.extensions).toEqual(missing.errors![0]!.extensions);
      // Dates are ISO instants of this era, nothing looser.
      for (const validUntil of ['not-a-date-X', '+275760-09-13T00:00:00Z', '2027-13-40'])
        expect(
          errorCode(
            await grant(guardian.token, {
              subjectId,
              purposes: ['REFERRAL'],
              categories: ['ADMINISTRATIVE_STATUS'],
              recipients: ['HOSPITAL'],
              validUntil,
              evidence: 'x',
            }),
          ),
        ).toBe('BAD_USER_INPUT');
      expect(
        errorCode(
          await grant(guardian.token, {
            subjectId,
            purposes: ['REFERRAL'],
            categories: ['ADMINISTRATIVE_STATUS'],
            recipients: ['HOSPITAL'],
            validFrom: '1970-01-01T00:00:00Z',
            evidence: 'x',
          }),
        ),
      ).toBe('BAD_USER_INPUT');

      // Strangers: another school, a mentor, the hospital, a guardian of another child, a guardian nobody linked.
      const stranger = await guardianOf(await child());
      for (const token of [westTeacher, mentor, liaison, stranger.token]) {
        expect(errorCode(await gql(hub.fetch, token, 'query($s: ID!) { consents(subjectId: $s) { id } }', { s: subjectId }))).toBe('NOT_FOUND');
        expect(
          errorCode(
            await grant(token, {
              subjectId,
              guardianUserId: guardian.userId,
              purposes: ['REFERRAL'],
              categories: ['ADMINISTRATIVE_STATUS'],
              recipients: ['HOSPITAL'],
              evidence: 'x',
            }),
          ),
        ).toBe('NOT_FOUND');
      }
      expect(
        errorCode(
          await grant(teacher, {
            subjectId,
            guardianUserId: 'never-linked',
            purposes: ['REFERRAL'],
            categories: ['ADMINISTRATIVE_STATUS'],
            recipients: ['HOSPITAL'],
            evidence: 'x',
          }),
        ),
      ).toBe('BAD_USER_INPUT');
      expect(
        errorCode(
          await grant(teacher, {
            subjectId,
            guardianUserId: guardian.userId,
            purposes: [],
            categories: ['ADMINISTRATIVE_STATUS'],
            recipients: ['HOSPITAL'],
            evidence: 'x',
          }),
        ),
      ).toBe('BAD_USER_INPUT');
      const revoked = await gql<{ revokeConsent: Record<string, unknown> }>(
        hub.fetch,
        guardian.token,
        `mutation($id: ID!) { revokeConsent(id: $id) { holds revokedAt } }`,
        {
          id: byGuardian.data!.grantConsent.id,
        },
      );
      expect(revoked.data!.revokeConsent).toMatchObject({ holds: false, revokedAt: expect.any(String) as string });
      expect(
        errorCode(await gql(hub.fetch, guardian.token, `mutation($id: ID!) { revokeConsent(id: $id) { id } }`, { id: byGuardian.data!.grantConsent.id })),
      ).toBe('INVALID_TRANSITION');
      // The school's consent is the school's record: a guardian may revoke only their own... which it is.
      expect(
        (await gql(hub.fetch, guardian.token, `mutation($id: ID!) { revokeConsent(id: $id) { holds } }`, { id: bySchool.data!.grantConsent.id })).errors,
      ).toBeUndefined();
    });

    /** A referral of `subjectId` that the hospital attended, with clinical detail in its first treatment update. */
    async function attendedReferral(subjectId: string): Promise<string> {
      const created = await gql<{ createReferral: { id: string } }>(
        hub.fetch,
        teacher,
        'mutation($i: CreateReferralInput!) { createReferral(input: $i) { id } }',
        {
          i: referralInput({ subjectId }),
        },
      );
      const id = created.data!.createReferral.id;
      await gql(hub.fetch, liaison, 'mutation($id: ID!) { acceptReferral(id: $id) { state } }', { id });
      await gql(hub.fetch, liaison, 'mutation($id: ID!, $a: AppointmentInput!) { scheduleAppointment(id: $id, appointment: $a) { state } }', {
        id,
        a: { start: new Date(Date.now() + 86_400_000).toISOString() },
      });
      const attended = await gql<{ recordAttendance: { state: string } }>(
        hub.fetch,
        liaison,
        'mutation($id: ID!, $u: TreatmentUpdateInput) { recordAttendance(id: $id, update: $u) { state } }',
        {
          id,
          u: {
            guidance: 'Sleep routine; no exams this week.',
            clinical: { diagnoses: [{ system: 'http://hl7.org/fhir/sid/icd-10', code: 'F32.1' }], medication: 'sertraline 50 mg' },
          },
        },
      );
      expect(attended.data!.recordAttendance.state).toBe('ATTENDED');
      return id;
    }

    it('shows a guardian where their child’s referral stands, without the school’s case file or clinical detail, and nothing of another child', async () => {
      const subjectId = await child();
      const guardian = await guardianOf(subjectId);
      const id = await attendedReferral(subjectId);
      const otherChild = await child();
      const otherId = await attendedReferral(otherChild);
      const VIEW =
        'id state code hospital { id } reason assessment { category } createdBy appointment { start } treatmentUpdates { kind guidance reportedBy clinical { medication } } timeline { state actorAgency { id } actorUserId } followUps { outcome }';
      const listed = await gql<{ referrals: { items: Array<Record<string, unknown>> } }>(
        hub.fetch,
        guardian.token,
        `{ referrals(first: 50) { items { ${VIEW} } } }`,
      );
      expect(listed.errors).toBeUndefined();
      expect(listed.data!.referrals.items.map((r) => r.id)).toEqual([id]);
      const [mine] = listed.data!.referrals.items;
      expect(mine).toMatchObject({
        state: 'ATTENDED',
        hospital: { id: 'hospital-kangning' },
        reason: null,
        assessment: null,
        createdBy: null,
        followUps: null,
        appointment: { start: expect.any(String) as string },
      });
      expect(mine!.treatmentUpdates).toEqual([
        { kind: expect.any(String) as string, guidance: 'Sleep routine; no exams this week.', reportedBy: null, clinical: null },
      ]);
      const timeline = mine!.timeline as Array<Record<string, unknown>>;
      expect(timeline.map((t) => t.state)).toEqual(['SENT', 'ACCEPTED', 'SCHEDULED', 'ATTENDED']);
      expect(timeline.every((t) => t.actorUserId === null)).toBe(true);
      // Even under the guardian's own consent to share clinical detail with the school: that is the school's.
      await grant(guardian.token, {
        subjectId,
        purposes: ['TREATMENT_UPDATE_SHARING'],
        categories: ['CLINICAL_DETAIL'],
        recipients: ['SCHOOL'],
        evidence: 'Consented in the parents’ app.',
      });
      const byId = await gql<{ referral: Record<string, unknown> }>(hub.fetch, guardian.token, `query($id: ID!) { referral(id: $id) { ${VIEW} } }`, { id });
      expect((byId.data!.referral.treatmentUpdates as Array<Record<string, unknown>>)[0]!.clinical).toBeNull();
      // Another child's referral answers as one that does not exist; a guardian takes no step.
      const other = await gql(hub.fetch, guardian.token, 'query($id: ID!) { referral(id: $id) { id state } }', { id: otherId });
      const missing = await gql(hub.fetch, guardian.token, 'query($id: ID!) { referral(id: $id) { id state } }', { id: 'ref-no-such-referral' });
      expect(errorCode(other)).toBe('NOT_FOUND');
      expect(other.errors![0]!.extensions).toEqual(missing.errors![0]!.extensions);
      expect(errorCode(await gql(hub.fetch, guardian.token, 'mutation($id: ID!) { withdrawReferral(id: $id, reason: "We moved.") { state } }', { id }))).toBe(
        'FORBIDDEN',
      );
      // A guardian nobody linked lists nothing; one suspected of harm is shown nothing while that stands, not even a
      // cursor past a hidden referral: the same answer as the stranger's.
      const LIST = '{ referrals { items { id } endCursor hasMore } }';
      const stranger = await tokenFor(hub.keyRing, 'school-east', 'guardian', { userId: `guardian-${randomUUID().slice(0, 6)}` });
      const strangers = await gql(hub.fetch, stranger, LIST);
      expect(strangers.data).toEqual({ referrals: { items: [], endCursor: null, hasMore: false } });
      await gql(
        hub.fetch,
        teacher,
        'mutation($s: ID!, $g: String!) { recordGuardianConcern(subjectId: $s, guardianUserId: $g, suspected: true, reason: "Under review.") }',
        {
          s: subjectId,
          g: guardian.userId,
        },
      );
      expect((await gql(hub.fetch, guardian.token, LIST)).data).toEqual(strangers.data);
      expect(errorCode(await gql(hub.fetch, guardian.token, 'query($id: ID!) { referral(id: $id) { id } }', { id }))).toBe('NOT_FOUND');
    });

    it('shows a guardian their child’s warning entry: where it stands, the category and the notice they were given, not the school’s plan or who did what; nothing of another child', async () => {
      const crisisTeam = await tokenFor(hub.keyRing, 'school-east', 'crisis-team', { userId: 'crisis-zhao' });
      const listOn = async (subjectId: string) => {
        const proposed = await gql<{ proposeForAssessment: { id: string } }>(
          hub.fetch,
          mentor,
          'mutation($s: ID!) { proposeForAssessment(subjectId: $s, reason: "Withdrawn for two weeks.") { id } }',
          { s: subjectId },
        );
        const id = proposed.data!.proposeForAssessment.id;
        await gql(hub.fetch, teacher, 'mutation($id: ID!, $i: AssessmentInterviewInput!) { recordAssessmentInterview(id: $id, interview: $i) { id } }', {
          id,
          i: { summary: 'Talks of hopelessness.', familyContact: 'Mother reached by phone.', scales: [{ scale: 'PHQ-9', score: 19 }] },
        });
        const confirmed = await gql<{ confirmAssessment: { warningId: string } }>(
          hub.fetch,
          crisisTeam,
          'mutation($id: ID!, $d: ConfirmAssessmentInput!) { confirmAssessment(id: $id, decision: $d) { warningId } }',
          { id, d: { category: 3, note: 'Scale, family contact and interview agree.', ownerUserId: 'teacher-chen', tags: ['left-behind'] } },
        );
        return confirmed.data!.confirmAssessment.warningId;
      };
      const subjectId = await child();
      const guardian = await guardianOf(subjectId);
      const warningId = await listOn(subjectId);
      // Until the school's written notice to the guardians is on record, the hub does not tell them first.
      const beforeNotice = await gql<{ myChildren: Array<{ warning: unknown }> }>(hub.fetch, guardian.token, '{ myChildren { warning { id } } }');
      expect(beforeNotice.data!.myChildren).toEqual([{ warning: null }]);
      const unnoticed = await gql(hub.fetch, guardian.token, 'query($id: ID!) { warning(id: $id) { id } }', { id: warningId });
      const nowhere = await gql(hub.fetch, guardian.token, 'query($id: ID!) { warning(id: $id) { id } }', { id: randomUUID() });
      expect(errorCode(unnoticed)).toBe('NOT_FOUND');
      expect(unnoticed.errors![0]!.extensions).toEqual(nowhere.errors![0]!.extensions);
      await gql(hub.fetch, crisisTeam, 'mutation($id: ID!) { adoptWarningPlan(id: $id, plan: "Weekly talk; family meeting monthly.") { state } }', {
        id: warningId,
      });
      await gql(hub.fetch, teacher, 'mutation($id: ID!, $n: WarningGuardianNoticeInput!) { recordWarningGuardianNotice(id: $id, notice: $n) { id } }', {
        id: warningId,
        n: { givenAt: '2026-11-24T09:00:00Z', channel: 'IN_PERSON', givenBy: 'teacher-chen' },
      });
      const otherChild = await child();
      await guardianOf(otherChild);
      const otherWarningId = await listOn(otherChild);

      const VIEW =
        'id subjectId state category plan tags ownerUserId assessmentId raisedAt liftedAt guardianNotice { givenAt channel givenBy } history { action to at actorUserId reason }';
      const children = await gql<{ myChildren: Array<{ subjectId: string; warning: Record<string, unknown> | null }> }>(
        hub.fetch,
        guardian.token,
        `{ myChildren { subjectId warning { ${VIEW} } } }`,
      );
      expect(children.errors).toBeUndefined();
      expect(children.data!.myChildren).toHaveLength(1);
      const [mine] = children.data!.myChildren;
      expect(mine!.warning).toMatchObject({
        id: warningId,
        subjectId,
        state: 'PLAN_IN_PLACE',
        category: 3,
        plan: null,
        tags: null,
        ownerUserId: null,
        assessmentId: null,
        raisedAt: expect.any(String) as string,
        guardianNotice: { givenAt: '2026-11-24T09:00:00.000Z', channel: 'IN_PERSON', givenBy: null },
      });
      const history = mine!.warning!.history as Array<Record<string, unknown>>;
      expect(history.map((h) => h.to)).toEqual(['RAISED', 'PLAN_IN_PLACE']);
      expect(history.every((h) => h.actorUserId === null && h.reason === null)).toBe(true);
      // By id too; the school's staff still see the whole entry.
      const byId = await gql<{ warning: Record<string, unknown> }>(hub.fetch, guardian.token, `query($id: ID!) { warning(id: $id) { ${VIEW} } }`, {
        id: warningId,
      });
      expect(byId.data!.warning).toEqual(mine!.warning);
      const staff = await gql<{ warning: Record<string, unknown> }>(hub.fetch, teacher, `query($id: ID!) { warning(id: $id) { plan ownerUserId } }`, {
        id: warningId,
      });
      expect(staff.data!.warning).toEqual({ plan: 'Weekly talk; family meeting monthly.', ownerUserId: 'teacher-chen' });
      // Another child's entry answers as one that does not exist; the school's list is not theirs to page; no step.
      const other = await gql(hub.fetch, guardian.token, 'query($id: ID!) { warning(id: $id) { id } }', { id: otherWarningId });
      const missing = await gql(hub.fetch, guardian.token, 'query($id: ID!) { warning(id: $id) { id } }', { id: randomUUID() });
      expect(errorCode(other)).toBe('NOT_FOUND');
      expect(other.errors![0]!.extensions).toEqual(missing.errors![0]!.extensions);
      expect(errorCode(await gql(hub.fetch, guardian.token, '{ warnings { items { id } endCursor hasMore } }'))).toBe('FORBIDDEN');
      expect(
        errorCode(await gql(hub.fetch, guardian.token, 'mutation($id: ID!) { liftWarning(id: $id, reason: "She is fine now.") { state } }', { id: warningId })),
      ).toBe('FORBIDDEN');
      // A child with no entry shows none, like a child whose entry the guardian may not see.
      const unlisted = await child();
      const unlistedGuardian = await guardianOf(unlisted);
      const none = await gql<{ myChildren: Array<{ warning: unknown }> }>(hub.fetch, unlistedGuardian.token, '{ myChildren { warning { id } } }');
      expect(none.data!.myChildren).toEqual([{ warning: null }]);
      // Under a suspicion of harm the guardian is shown nothing of it while that stands.
      await gql(
        hub.fetch,
        teacher,
        'mutation($s: ID!, $g: String!) { recordGuardianConcern(subjectId: $s, guardianUserId: $g, suspected: true, reason: "Under review.") }',
        { s: subjectId, g: guardian.userId },
      );
      expect((await gql(hub.fetch, guardian.token, '{ myChildren { warning { id } } }')).data).toEqual({ myChildren: [] });
      const hidden = await gql(hub.fetch, guardian.token, 'query($id: ID!) { warning(id: $id) { id } }', { id: warningId });
      expect(hidden.errors![0]!.extensions).toEqual(missing.errors![0]!.extensions);
    });

    it('lets the school see clinical detail only while the guardian’s consent holds, and withdraws it at once on revocation, also from an open subscription', async () => {
      const subjectId = await child();
      const guardian = await guardianOf(subjectId);
      const id = await attendedReferral(subjectId);
      const clinicalSeen = async () =>
        (
          await gql<{ referral: { treatmentUpdates: Array<{ clinical: unknown }> } }>(
            hub.fetch,
            teacher,
            'query($id: ID!) { referral(id: $id) { treatmentUpdates { clinical { diagnoses { code } } } } }',
            {
              id,
            },
          )
        ).data!.referral.treatmentUpdates.map((u) => u.clinical);
      expect(await clinicalSeen()).toEqual([null]);

      const consent = await grant(guardian.token, {
        subjectId,
        purposes: ['TREATMENT_UPDATE_SHARING'],
        categories: ['CLINICAL_DETAIL'],
        recipients: ['SCHOOL'],
        evidence: 'Agreed at the family meeting.',
      });
      expect(await clinicalSeen()).toEqual([{ diagnoses: [{ code: 'F32.1' }] }]);

      const watch = await subscribeSse(hub.fetch, teacher, CLINICAL_WATCH, { id });
      await eventually(async () => watch.events.length >= 1, { what: 'the subscription to start' });
      const last = () => watch.events.at(-1)!.data as { referralStatusChanged: { treatmentUpdates: Array<{ clinical: unknown }> } };
      expect(last().referralStatusChanged.treatmentUpdates[0]!.clinical).toEqual({ diagnoses: [{ code: 'F32.1' }], medication: 'sertraline 50 mg' });

      await gql(hub.fetch, guardian.token, 'mutation($id: ID!) { revokeConsent(id: $id) { holds } }', { id: consent.data!.grantConsent.id });
      expect(await clinicalSeen()).toEqual([null]);
      // The next push to the open subscription is decided under the revocation too.
      await gql(hub.fetch, liaison, 'mutation($id: ID!, $u: TreatmentUpdateInput!) { recordTreatmentUpdate(id: $id, update: $u) { state } }', {
        id,
        u: { guidance: 'Back to lessons part-time.', clinical: { medication: 'sertraline 100 mg' } },
      });
      await eventually(async () => last().referralStatusChanged.treatmentUpdates.length === 2, { what: 'the push after the update' });
      expect(last().referralStatusChanged.treatmentUpdates.map((u) => u.clinical)).toEqual([null, null]);
      expect(JSON.stringify(watch.events.at(-1))).not.toContain('sertraline');
      await watch.close();
    });

    it('breaks the glass: a declared emergency opens the clinical detail to its declarer for its window only, flags every access, tells the guardians and waits for the bureau’s sign-off', async () => {
      const subjectId = await child();
      const guardian = await guardianOf(subjectId);
      const suspected = await guardianOf(subjectId);
      await gql(
        hub.fetch,
        teacher,
        'mutation($s: ID!, $g: String!) { recordGuardianConcern(subjectId: $s, guardianUserId: $g, suspected: true, reason: "Under police inquiry.") }',
        {
          s: subjectId,
          g: suspected.userId,
        },
      );
      const id = await attendedReferral(subjectId);
      const clinical = async (token: string) =>
        (
          await gql<{ referral: { treatmentUpdates: Array<{ clinical: unknown }> } }>(
            hub.fetch,
            token,
            'query($id: ID!) { referral(id: $id) { treatmentUpdates { clinical { medication } } } }',
            {
              id,
            },
          )
        ).data!.referral.treatmentUpdates[0]!.clinical;
      expect(await clinical(teacher)).toBeNull();

      // Only the school's crisis staff declare, with a real justification.
      const declare = (token: string, justification: string) =>
        gql<{ declareEmergency: Record<string, unknown> }>(
          hub.fetch,
          token,
          'mutation($s: ID!, $j: String!) { declareEmergency(subjectId: $s, justification: $j) { id declaredAt expiresAt justification } }',
          {
            s: subjectId,
            j: justification,
          },
        );
      expect(errorCode(await declare(mentor, 'The child told the mentor of a plan for tonight.'))).toBe('NOT_FOUND');
      expect(errorCode(await declare(teacher, 'urgent'))).toBe('BAD_USER_INPUT');
      const declared = await declare(teacher, 'The child disclosed a plan for tonight; the hospital must know what she takes.');
      expect(declared.errors).toBeUndefined();
      const emergency = declared.data!.declareEmergency;
      // The school sees when it began and ends; the justification is for the reviewers.
      expect(emergency).toMatchObject({ justification: null });
      expect(new Date(emergency.expiresAt as string).getTime() - new Date(emergency.declaredAt as string).getTime()).toBe(30 * 60_000);

      expect(await clinical(teacher)).toEqual({ medication: 'sertraline 50 mg' });
      // Only for the person who declared it.
      const colleague = await tokenFor(hub.keyRing, 'school-east', 'psychology-teacher', { userId: 'teacher-sun' });
      expect(await clinical(colleague)).toBeNull();
      const log = await accessLog(guardian.token, subjectId);
      expect(log.errors).toBeUndefined();
      const flagged = await gql<{ accessLog: { items: Array<{ action: string; legalBasis: string | null; userId: string }> } }>(
        hub.fetch,
        teacher,
        'query($s: ID!) { accessLog(subjectId: $s, first: 100) { items { action legalBasis userId } } }',
        { s: subjectId },
      );
      expect(flagged.data!.accessLog.items).toContainEqual({ action: 'referral.read', legalBasis: 'emergency', userId: 'teacher-chen' });

      // The guardians are told, except the one under suspicion.
      const notices = async (token: string) =>
        (await gql<{ myNotices: Array<{ subjectId: string; kind: string }> }>(hub.fetch, token, '{ myNotices { subjectId kind detail } }')).data!.myNotices;
      expect(await notices(guardian.token)).toContainEqual(expect.objectContaining({ subjectId, kind: 'EMERGENCY_ACCESS' }));
      expect(await notices(suspected.token)).toEqual([]);
      // A suspicion recorded later hides what the guardian was told about the child, too.
      const suspect = (x: boolean) =>
        gql(hub.fetch, teacher, 'mutation($s: ID!, $g: String!, $x: Boolean!) { recordGuardianConcern(subjectId: $s, guardianUserId: $g, suspected: $x) }', {
          s: subjectId,
          g: guardian.userId,
          x,
        });
      await suspect(true);
      expect(await notices(guardian.token)).toEqual([]);
      await suspect(false);
      // Nothing is signed off while the window is open: accesses may still come.
      const early = await gql(hub.fetch, bureau, 'mutation($id: ID!) { signOffEmergency(id: $id, note: "Looks justified.") { id } }', { id: emergency.id });
      expect(errorCode(early)).toBe('INVALID_TRANSITION');

      // The window closes.
      offsetMs += 31 * 60_000;
      try {
        const teacherLater = await tokenFor(hub.keyRing, 'school-east', 'psychology-teacher', { userId: 'teacher-chen', clock });
        expect(await clinical(teacherLater)).toBeNull();

        // The bureau of the school's district reviews it, with every access made under it, and signs it off.
        const bureauLater = await tokenFor(hub.keyRing, 'bureau-haishu', 'bureau-analyst', { userId: 'inspector-gu', clock });
        const westBureau = await tokenFor(hub.keyRing, 'bureau-yinzhou', 'bureau-analyst', { clock });
        const queue = async (token: string) =>
          (
            await gql<{ emergencyReviews: Array<Record<string, unknown>> }>(
              hub.fetch,
              token,
              '{ emergencyReviews { id subjectId justification declaredByUser accesses { action legalBasis } } }',
            )
          ).data!.emergencyReviews;
        const waiting = (await queue(bureauLater)).find((e) => e.id === emergency.id)!;
        expect(waiting).toMatchObject({
          subjectId,
          declaredByUser: 'teacher-chen',
          justification: 'The child disclosed a plan for tonight; the hospital must know what she takes.',
        });
        expect(waiting.accesses).toContainEqual({ action: 'referral.read', legalBasis: 'emergency' });
        expect((await queue(westBureau)).map((e) => e.id)).not.toContain(emergency.id);
        expect(errorCode(await gql(hub.fetch, teacherLater, '{ emergencyReviews { id } }'))).toBe('FORBIDDEN');
        const signOff = (token: string) =>
          gql<{ signOffEmergency: Record<string, unknown> }>(
            hub.fetch,
            token,
            'mutation($id: ID!) { signOffEmergency(id: $id, note: "Justified: the hospital was told at once.") { reviewedBy reviewNote } }',
            {
              id: emergency.id,
            },
          );
        expect(errorCode(await signOff(westBureau))).toBe('NOT_FOUND');
        expect((await signOff(bureauLater)).data!.signOffEmergency).toEqual({
          reviewedBy: 'inspector-gu',
          reviewNote: 'Justified: the hospital was told at once.',
        });
        expect(errorCode(await signOff(bureauLater))).toBe('INVALID_TRANSITION');
        expect((await queue(bureauLater)).map((e) => e.id)).not.toContain(emergency.id);
      } finally {
        offsetMs -= 31 * 60_000;
      }
    });
  });
}
