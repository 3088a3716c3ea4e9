import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { readWorkCounters } from '../../adapters/metrics/work-counters.js';
import { createReferralServiceKit, type ReferralServiceKit } from '../../test/support/referral-service-kit.js';
import type { Principal } from '../ports/policy-engine.js';
import type { ReferralCommandInput } from './referral-commands.js';
import type { ReferralService } from './referral-service.js';
import { nextReferralState, type ReferralState } from './referral-state-machine.js';
import type { ReferralStore } from './referral-store.js';
import type { Referral } from './referral.js';

const DAY = 24 * 3600_000;
const teacher: Principal = { agencyId: 'school-east', agencyType: 'school', role: 'psychology-teacher', userId: 'teacher-1', districtId: 'haishu' };
const liaison: Principal = { agencyId: 'hospital-kangning', agencyType: 'hospital', role: 'hospital-liaison', userId: 'dr-lin' };

function input(subjectId: string) {
  return {
    subjectId,
    hospitalAgencyId: 'hospital-kangning',
    reason: 'Self-harm disclosed.',
    assessment: {
      category: 3,
      scales: [{ scale: 'PHQ-9', score: 22 }],
      interviewSummary: 'Plan disclosed.',
      familyContact: 'Mother agrees.',
      exceedsSchoolCapacity: true,
      assessedBy: 'chair',
      assessedAt: '2026-11-20T09:00:00Z',
    },
    guardianNotice: { givenAt: '2026-11-21T09:00:00Z', channel: 'IN_PERSON', givenBy: 'teacher-1' },
  };
}

/** Every command the loop knows, with valid evidence; which of them apply depends on the state. */
const COMMANDS: Array<{ by: Principal; command: ReferralCommandInput }> = [
  { by: liaison, command: { action: 'ACCEPT' } },
  { by: liaison, command: { action: 'DECLINE', reason: 'No bed.' } },
  { by: liaison, command: { action: 'SCHEDULE', appointment: { start: '2026-12-01T09:00:00Z', location: 'Clinic 3' } } },
  { by: liaison, command: { action: 'RECORD_NO_SHOW' } },
  { by: teacher, command: { action: 'RE_ENGAGE', note: 'Home visit done.' } },
  { by: liaison, command: { action: 'RECORD_ATTENDANCE', update: { riskLevel: 'HIGH', guidance: 'Quiet room.' } } },
  { by: liaison, command: { action: 'START_TREATMENT' } },
  { by: liaison, command: { action: 'ADMIT', update: { clinical: { medication: 'sertraline' } } } },
  { by: liaison, command: { action: 'DISCHARGE' } },
  { by: liaison, command: { action: 'RECORD_TREATMENT_UPDATE', update: { guidance: 'Doing better.' } } },
  { by: teacher, command: { action: 'RECORD_LEAVE', from: '2026-12-02T00:00:00Z' } },
  { by: liaison, command: { action: 'RECEIVE_RECOVERY_CERTIFICATE', document: { title: 'Recovery certificate', issuedAt: '2026-12-10T00:00:00Z' } } },
  { by: teacher, command: { action: 'START_RETURN_REVIEW', recordsReceived: true } },
  { by: teacher, command: { action: 'START_RETURN_REVIEW', recordsReceived: false } },
  {
    by: teacher,
    command: { action: 'DECIDE_RETURN', decision: 'RETURN', guardianCommitment: 'Daily call.', studentCommitment: 'Tells mentor.' },
  },
  { by: teacher, command: { action: 'REQUEST_ASSESSMENT', note: 'Third-party assessment first.' } },
  { by: teacher, command: { action: 'RECORD_FOLLOW_UP', at: '2026-12-12T10:00:00Z', channel: 'PHONE', outcome: 'Settled.' } },
  { by: teacher, command: { action: 'CLOSE' } },
  { by: teacher, command: { action: 'WITHDRAW', reason: 'Family moved.' } },
  { by: teacher, command: { action: 'TRANSFER', hospitalAgencyId: 'hospital-seventh', reason: 'Ward full.' } },
  // Steps taken by the wrong party: always refused, never written.
  { by: teacher, command: { action: 'ACCEPT' } },
  { by: liaison, command: { action: 'CLOSE' } },
];

/** What a referral's record must always satisfy, whatever happened to it. */
function expectConsistent(r: Referral) {
  // The timeline replays to the state, entry by entry.
  let state: ReferralState | null = null;
  for (const entry of r.timeline) {
    state = nextReferralState(state, entry.action);
    expect(entry.state).toBe(state);
  }
  expect(state).toBe(r.state);
  expect(r.version).toBe(r.timeline.length);
  expect(r.followUps).toHaveLength(r.timeline.filter((t) => t.action === 'RECORD_FOLLOW_UP').length);
  if (r.state === 'SCHEDULED') expect(r.appointment).not.toBeNull();
  if (r.state === 'DECLINED') expect(r.declineReason).toBeTruthy();
  if (r.state === 'WITHDRAWN') expect(r.withdrawReason).toBeTruthy();
  if (r.state === 'FOLLOW_UP' || r.state === 'CLOSED') {
    expect(r.returnReview?.recoveryCertificate).not.toBeNull();
    expect(r.returnReview?.recordsReceived).toBe(true);
    expect(['RETURN', 'RETURN_WITH_CONDITIONS']).toContain(r.returnReview?.decision);
  }
}

describe('the referral service on an in-memory store', () => {
  let kit: ReferralServiceKit;
  let sql: ReferralServiceKit['sql'];
  let store: ReferralStore;
  let service: ReferralService;
  let clock: ReferralServiceKit['clock'];
  const newSubject = () => kit.newSubject();

  beforeAll(async () => {
    kit = await createReferralServiceKit();
    ({ sql, store, service, clock } = kit);
  });
  afterAll(() => kit.close());

  it('random command sequences never reach an inconsistent state, and a refused command writes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom(...COMMANDS), { minLength: 1, maxLength: 30 }), async (steps) => {
        const referral = await service.createReferral(teacher, input(await newSubject()));
        for (const { by, command } of steps) {
          // After a transfer the case belongs to another hospital: act as its liaison from then on.
          const current = (await store.find(referral.id))!;
          const actor = by === liaison ? { ...liaison, agencyId: current.hospitalAgencyId } : by;
          const outboxBefore = Number((await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox'))[0]?.n);
          const applied = await service.act(actor, referral.id, command).then(
            () => true,
            (error: { code?: string }) => {
              expect(['INVALID_TRANSITION', 'FORBIDDEN', 'MISSING_EVIDENCE', 'NOT_FOUND']).toContain(error.code);
              return false;
            },
          );
          const after = (await store.find(referral.id))!;
          expectConsistent(after);
          if (!applied) {
            expect(after.version).toBe(current.version);
            expect(Number((await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox'))[0]?.n)).toBe(outboxBefore);
          }
        }
      }),
      { numRuns: 40 },
    );
  });

  it('a return needs the recovery certificate and the records: MISSING_EVIDENCE until both are on record', async () => {
    const r = await service.createReferral(teacher, input(await newSubject()));
    for (const command of [
      { action: 'ACCEPT' },
      { action: 'SCHEDULE', appointment: { start: '2026-12-01T09:00:00Z' } },
      { action: 'RECORD_ATTENDANCE' },
      { action: 'DISCHARGE' },
    ] as const)
      await service.act(liaison, r.id, command);
    await service.act(teacher, r.id, { action: 'START_RETURN_REVIEW', recordsReceived: false });
    const decide = { action: 'DECIDE_RETURN', decision: 'RETURN', guardianCommitment: 'Call daily.', studentCommitment: 'Tell mentor.' } as const;
    await expect(service.act(teacher, r.id, decide)).rejects.toMatchObject({ code: 'MISSING_EVIDENCE', details: { evidence: 'the recovery certificate' } });
    await service.act(liaison, r.id, { action: 'RECEIVE_RECOVERY_CERTIFICATE', document: { title: 'Certificate', issuedAt: '2026-12-10T00:00:00Z' } });
    await expect(service.act(teacher, r.id, decide)).rejects.toMatchObject({ code: 'MISSING_EVIDENCE', details: { evidence: 'the treatment records' } });
    await expect(service.act(teacher, r.id, { ...decide, decision: 'RETURN_WITH_CONDITIONS' })).rejects.toMatchObject({ code: 'MISSING_EVIDENCE' });
  });

  it('deadlines fall due on the injected clock and are recorded once, however often the watch runs', async () => {
    const r = await service.createReferral(teacher, input(await newSubject()));
    expect(await service.raiseOverdue()).toBe(0);
    clock.advance(DAY + 1);
    const raised = await service.raiseOverdue();
    expect(raised).toBeGreaterThanOrEqual(1);
    expect(await service.raiseOverdue()).toBe(0);
    expect((await store.find(r.id))!.breaches.map((b) => b.kind)).toEqual(['ACKNOWLEDGEMENT']);
    await service.act(liaison, r.id, { action: 'ACCEPT' });
    clock.advance(7 * DAY + 1);
    await service.raiseOverdue();
    expect((await store.find(r.id))!.breaches.map((b) => b.kind)).toEqual(['ACKNOWLEDGEMENT', 'FIRST_APPOINTMENT']);
  });

  it('follow-ups are due every 14 days in treatment and weekly for four weeks after return', async () => {
    const r = await service.createReferral(teacher, input(await newSubject()));
    for (const command of [
      { action: 'ACCEPT' },
      { action: 'SCHEDULE', appointment: { start: '2026-12-01T09:00:00Z' } },
      { action: 'RECORD_ATTENDANCE' },
    ] as const)
      await service.act(liaison, r.id, command);
    await service.act(teacher, r.id, { action: 'RECORD_FOLLOW_UP', at: clock.now(), channel: 'PHONE', outcome: 'ok' });
    clock.advance(13 * DAY);
    await service.raiseOverdue();
    expect((await store.find(r.id))!.breaches.filter((b) => b.kind === 'FOLLOW_UP')).toEqual([]);
    clock.advance(2 * DAY);
    await service.raiseOverdue();
    expect((await store.find(r.id))!.breaches.filter((b) => b.kind === 'FOLLOW_UP')).toHaveLength(1);
  });

  it('a second open referral for the same child is OPEN_REFERRAL_EXISTS', async () => {
    const subject = await newSubject();
    await service.createReferral(teacher, input(subject));
    await expect(service.createReferral(teacher, input(subject))).rejects.toMatchObject({ code: 'OPEN_REFERRAL_EXISTS' });
  });

  it("looks the child up once for both of a new referral's decisions: the school's, and what the hospital may see", async () => {
    const subject = await newSubject();
    const lookups = vi.spyOn(kit.directory, 'findSubject');
    try {
      const created = await service.createReferral(teacher, input(subject));
      expect(lookups.mock.calls.filter(([id]) => id === subject)).toHaveLength(1);
      const sent = (await kit.drainOutbox()).filter((e) => e.event.type === 'org.careloop.referral.sent.v1' && e.event.subject === created.id);
      expect(sent).toHaveLength(1);
    } finally {
      lookups.mockRestore();
    }
  });
});

/**
 * The work a step costs, counted rather than timed (issue 7): each statement is a round on the embedded store's one
 * connection, on the path from the school's click to the hospital's screen and back.
 */
describe('the work of a referral step', () => {
  let kit: ReferralServiceKit;
  beforeAll(async () => {
    kit = await createReferralServiceKit();
    // The agency directory is read once and then kept: not a step's cost.
    await kit.service.createReferral(teacher, input(await kit.newSubject()));
  });
  afterAll(() => kit.close());

  async function statementsOf(work: () => Promise<unknown>): Promise<number> {
    const before = (await readWorkCounters()).sqlStatements;
    await work();
    return (await readWorkCounters()).sqlStatements - before;
  }

  it("audits both of a new referral's decisions in one write: the school's, and what the hospital's system may see", async () => {
    const subject = await kit.newSubject();
    const writes = vi.spyOn(kit.audit, 'record');
    try {
      await kit.service.createReferral(teacher, input(subject));
      expect(writes.mock.calls.map(([entries]) => entries.map((e) => [e.action, e.principalAgencyId, e.allowed]))).toEqual([
        [
          ['referral.create', 'school-east', true],
          ['referral.read', 'hospital-kangning', true],
        ],
      ]);
    } finally {
      writes.mockRestore();
    }
  });

  it("audits a refused new referral's decision, and nothing about a hospital that will never see it", async () => {
    const writes = vi.spyOn(kit.audit, 'record');
    try {
      // Another school's child: concealed, and answered as an unknown child.
      const theirs = await kit.newSubject('school-west');
      await expect(kit.service.createReferral(teacher, input(theirs))).rejects.toMatchObject({ code: 'NOT_FOUND' });
      expect(writes.mock.calls.map(([entries]) => entries.map((e) => [e.action, e.allowed]))).toEqual([[['referral.create', false]]]);
    } finally {
      writes.mockRestore();
    }
  });

  it('applies a step an agency reported over the bus without reading the referral back: one statement less than through GraphQL', async () => {
    const [viaGraphql, viaBus] = [
      await kit.service.createReferral(teacher, input(await kit.newSubject())),
      await kit.service.createReferral(teacher, input(await kit.newSubject())),
    ];
    const acted = await statementsOf(() => kit.service.act(liaison, viaGraphql.id, { action: 'ACCEPT' }));
    const applied = await statementsOf(() => kit.service.apply(liaison, viaBus.id, { action: 'ACCEPT' }));
    expect(applied).toBe(acted - 1);
    expect((await kit.store.find(viaBus.id))!.state).toBe('ACCEPTED');
  });

  it("writes a step's events, one for each agency told, in one statement", async () => {
    const referral = await kit.service.createReferral(teacher, input(await kit.newSubject()));
    const one = vi.spyOn(kit.uow, 'enqueueEvent');
    const many = vi.spyOn(kit.uow, 'enqueueEvents');
    try {
      await kit.service.act(liaison, referral.id, { action: 'ACCEPT' });
      expect(one).not.toHaveBeenCalled();
      expect(many.mock.calls.map(([, events]) => events.map((e) => e.draft.recipient))).toEqual([['school-east', 'hospital-kangning']]);
    } finally {
      one.mockRestore();
      many.mockRestore();
    }
  });
});
