import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { referralInput } from '../../test/support/referral-fixtures.js';
import { createReferralServiceKit, type ReferralServiceKit } from '../../test/support/referral-service-kit.js';
import type { Principal } from '../ports/policy-engine.js';

const HOUR = 3600_000;
const teacher: Principal = { agencyId: 'school-east', agencyType: 'school', role: 'psychology-teacher', userId: 'teacher-1', districtId: 'haishu' };
const westTeacher: Principal = { agencyId: 'school-west', agencyType: 'school', role: 'psychology-teacher', userId: 'teacher-9', districtId: 'yinzhou' };
const counsellor: Principal = { agencyId: 'centre-haishu', agencyType: 'counselling-centre', role: 'counsellor', userId: 'counsellor-zhou' };
const liaison: Principal = { agencyId: 'hospital-kangning', agencyType: 'hospital', role: 'hospital-liaison', userId: 'dr-lin' };
const bureau: Principal = { agencyId: 'bureau-haishu', agencyType: 'education-bureau', role: 'bureau-analyst', userId: 'analyst', districtId: 'haishu' };

describe('counselling slots: the centre publishes, the school books', () => {
  let kit: ReferralServiceKit;
  const at = (hoursFromNow: number) => new Date(kit.clock.now().getTime() + hoursFromNow * HOUR).toISOString();
  const publish = (by: Principal, startsInHours: number[], location = 'Room 2') =>
    kit.slots.publish(by, { slots: startsInHours.map((h) => ({ startsAt: at(h), endsAt: at(h + 1), location })) });
  /** A counselling referral from school-east to the centre, accepted by it. */
  async function acceptedCounsellingReferral(hospitalAgencyId = 'centre-haishu', acceptor = counsellor) {
    const referral = await kit.service.createReferral(teacher, referralInput({ subjectId: await kit.newSubject(), hospitalAgencyId, channel: 'COUNSELLING' }));
    await kit.service.act(acceptor, referral.id, { action: 'ACCEPT' });
    return referral;
  }

  beforeAll(async () => {
    kit = await createReferralServiceKit();
  });
  afterAll(() => kit.close());

  it('a school sees a centre’s free slots soonest first, without who published or booked them', async () => {
    const published = await publish(counsellor, [30, 26, 28]);
    expect(published.map((s) => s.bookedReferralId)).toEqual([null, null, null]);
    const page = await kit.slots.list(westTeacher, { providerAgencyId: 'centre-haishu', first: 2 });
    expect(page.items.map((s) => s.startsAt?.toISOString())).toEqual([at(26), at(28)]);
    expect(page.hasMore).toBe(true);
    for (const slot of page.items) {
      expect(Object.keys(slot).sort()).toEqual(['booked', 'endsAt', 'id', 'location', 'providerAgencyId', 'startsAt']);
    }
    const next = await kit.slots.list(westTeacher, { providerAgencyId: 'centre-haishu', first: 2, after: page.endCursor });
    expect(next.items.map((s) => s.startsAt?.toISOString())).toEqual([at(30)]);
  });

  it('booking a slot schedules the referral at the slot’s time and place, and the slot is gone from the free list', async () => {
    const referral = await acceptedCounsellingReferral();
    const [slot] = await publish(counsellor, [50], 'Room 7');
    const scheduled = await kit.service.act(teacher, referral.id, { action: 'SCHEDULE', appointment: { slotId: slot!.id } });
    expect(scheduled.state).toBe('SCHEDULED');
    expect(scheduled.appointment).toEqual({ start: new Date(at(50)), end: new Date(at(51)), location: 'Room 7', slotId: slot!.id });
    const free = await kit.slots.list(teacher, { providerAgencyId: 'centre-haishu', first: 100 });
    expect(free.items.map((s) => s.id)).not.toContain(slot!.id);
    // The centre sees the booking and which referral holds it.
    const own = await kit.slots.list(counsellor, { providerAgencyId: 'centre-haishu', freeOnly: false, first: 100 });
    expect(own.items.find((s) => s.id === slot!.id)).toMatchObject({ booked: true, bookedReferralId: referral.id, createdBy: 'counsellor-zhou' });
    // What the centre's system is told carries the slot and its time.
    const told = (await kit.drainOutbox()).filter((m) => m.event.recipient === 'centre-haishu' && m.event.subject === referral.id).at(-1);
    expect(told?.event.data).toMatchObject({ action: 'SCHEDULE', appointment: { start: at(50), end: at(51), location: 'Room 7', slotId: slot!.id } });
  });

  it('two schools racing for one slot: one books it, the other gets SLOT_UNAVAILABLE and its referral does not move', async () => {
    const [first, second] = [await acceptedCounsellingReferral(), await acceptedCounsellingReferral()];
    const [slot] = await publish(counsellor, [60]);
    const results = await Promise.allSettled([
      kit.service.act(teacher, first.id, { action: 'SCHEDULE', appointment: { slotId: slot!.id } }),
      kit.service.act(teacher, second.id, { action: 'SCHEDULE', appointment: { slotId: slot!.id } }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(refused?.reason).toMatchObject({ code: 'SLOT_UNAVAILABLE' });
    const states = await Promise.all([first.id, second.id].map(async (id) => (await kit.store.find(id))!.state));
    expect(states.sort()).toEqual(['ACCEPTED', 'SCHEDULED']);
  });

  it('rescheduling into another slot gives the first one back; withdrawing gives the booked one back', async () => {
    const referral = await acceptedCounsellingReferral();
    const [a, b] = await publish(counsellor, [70, 72]);
    await kit.service.act(teacher, referral.id, { action: 'SCHEDULE', appointment: { slotId: a!.id } });
    // The centre moves the appointment to another of its slots (it may book its own).
    await kit.service.act(counsellor, referral.id, { action: 'SCHEDULE', appointment: { slotId: b!.id } });
    expect((await kit.slotStore.find(a!.id))!.bookedReferralId).toBeNull();
    expect((await kit.slotStore.find(b!.id))!.bookedReferralId).toBe(referral.id);
    await kit.service.act(teacher, referral.id, { action: 'WITHDRAW', reason: 'Family chose a private counsellor.' });
    expect((await kit.slotStore.find(b!.id))!.bookedReferralId).toBeNull();
  });

  it('the centre’s system confirming the booked time keeps the booking; a transfer gives the slot back', async () => {
    const referral = await acceptedCounsellingReferral();
    const [slot] = await publish(counsellor, [74]);
    await kit.service.act(teacher, referral.id, { action: 'SCHEDULE', appointment: { slotId: slot!.id } });
    // What a FHIR Task update echoing its executionPeriod becomes: the same start, no slot id.
    const echoed = await kit.service.act({ ...counsellor, role: 'system', userId: 'connector' }, referral.id, {
      action: 'SCHEDULE',
      appointment: { start: at(74) },
    });
    expect(echoed.appointment?.slotId).toBe(slot!.id);
    expect((await kit.slotStore.find(slot!.id))!.bookedReferralId).toBe(referral.id);
    const free = await kit.slots.list(westTeacher, { providerAgencyId: 'centre-haishu', first: 100 });
    expect(free.items.map((s) => s.id)).not.toContain(slot!.id);
    await kit.service.act(counsellor, referral.id, { action: 'TRANSFER', hospitalAgencyId: 'hospital-kangning', reason: 'Needs a psychiatrist.' });
    expect((await kit.slotStore.find(slot!.id))!.bookedReferralId).toBeNull();
  });

  it('a slot that started, another provider’s slot, or an unknown slot is SLOT_UNAVAILABLE and writes nothing', async () => {
    const referral = await acceptedCounsellingReferral();
    const [soon] = await publish(counsellor, [1]);
    const [kangning] = await publish(liaison, [40]);
    kit.clock.advance(2 * HOUR);
    for (const slotId of [soon!.id, kangning!.id, 'no-such-slot']) {
      await expect(kit.service.act(teacher, referral.id, { action: 'SCHEDULE', appointment: { slotId } })).rejects.toMatchObject({
        code: 'SLOT_UNAVAILABLE',
      });
    }
    expect((await kit.store.find(referral.id))!.state).toBe('ACCEPTED');
    expect((await kit.slotStore.find(kangning!.id))!.bookedReferralId).toBeNull();
  });

  it('the school books a slot but sets no time of its own, and does not book outpatient care', async () => {
    const counselling = await acceptedCounsellingReferral();
    await expect(kit.service.act(teacher, counselling.id, { action: 'SCHEDULE', appointment: { start: at(80) } })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    const outpatient = await kit.service.createReferral(teacher, referralInput({ subjectId: await kit.newSubject() }));
    await kit.service.act(liaison, outpatient.id, { action: 'ACCEPT' });
    const [slot] = await publish(liaison, [90]);
    await expect(kit.service.act(teacher, outpatient.id, { action: 'SCHEDULE', appointment: { slotId: slot!.id } })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    // An appointment is either a time or a slot, never both.
    await expect(kit.service.act(liaison, outpatient.id, { action: 'SCHEDULE', appointment: { start: at(90), slotId: slot!.id } })).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
    });
  });

  it('only the provider’s own people publish and withdraw slots; to anyone else another provider’s slot does not exist', async () => {
    await expect(publish(teacher, [100])).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(publish(bureau, [100])).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(publish(null as unknown as Principal, [100])).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const [slot] = await publish(counsellor, [100]);
    const elsewhere = await kit.slots.remove(liaison, slot!.id).catch((e: unknown) => e);
    const unknown = await kit.slots.remove(liaison, 'no-such-slot').catch((e: unknown) => e);
    expect(elsewhere).toMatchObject({ code: 'NOT_FOUND' });
    expect(JSON.stringify(elsewhere)).toBe(JSON.stringify(unknown));
    expect((elsewhere as Error).message).toBe((unknown as Error).message);
    await expect(kit.slots.remove(teacher, slot!.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(kit.slots.list(bureau, { providerAgencyId: 'centre-haishu' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(kit.slots.list(teacher, { providerAgencyId: 'school-west' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await kit.slots.remove(counsellor, slot!.id)).toBe(slot!.id);
    expect(await kit.slotStore.find(slot!.id)).toBeNull();
  });

  it('a booked slot cannot be withdrawn by the centre until the referral is rescheduled', async () => {
    const referral = await acceptedCounsellingReferral();
    const [slot] = await publish(counsellor, [110]);
    await kit.service.act(teacher, referral.id, { action: 'SCHEDULE', appointment: { slotId: slot!.id } });
    await expect(kit.slots.remove(counsellor, slot!.id)).rejects.toMatchObject({ code: 'SLOT_UNAVAILABLE' });
  });

  it('bad slots are refused with the field that is wrong, and nothing of the batch is kept', async () => {
    const before = (await kit.slots.list(counsellor, { providerAgencyId: 'centre-haishu', freeOnly: false, first: 100 })).items.length;
    const cases: Array<[unknown, string]> = [
      [{ slots: [] }, 'slots'],
      [{ slots: [{ startsAt: at(5), endsAt: at(4) }] }, 'slots.0.endsAt'],
      [{ slots: [{ startsAt: at(5), endsAt: at(14) }] }, 'slots.0.endsAt'],
      [
        {
          slots: [
            { startsAt: at(5), endsAt: at(6) },
            { startsAt: at(-5), endsAt: at(-4) },
          ],
        },
        'slots.1.startsAt',
      ],
      [{ slots: [{ startsAt: 'not a date', endsAt: at(6) }] }, 'slots.0.startsAt'],
      [{ slots: [{ startsAt: at(5), endsAt: at(6), location: 'Room\u0000 1' }] }, 'slots.0.location'],
      [{ slots: Array.from({ length: 101 }, () => ({ startsAt: at(5), endsAt: at(6) })) }, 'slots'],
    ];
    for (const [input, field] of cases) {
      await expect(kit.slots.publish(counsellor, input)).rejects.toMatchObject({ code: 'BAD_USER_INPUT', details: { field } });
    }
    await expect(kit.slots.list(teacher, { providerAgencyId: 'centre-haishu', after: 'garbage' })).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    await expect(kit.slots.list(teacher, { providerAgencyId: 'centre-haishu', first: 101 })).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    expect((await kit.slots.list(counsellor, { providerAgencyId: 'centre-haishu', freeOnly: false, first: 100 })).items).toHaveLength(before);
  });

  it('every slot call is audited, allowed or not', async () => {
    const count = async () =>
      Number((await kit.sql.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_log WHERE action LIKE 'referral.%slot%'"))[0]?.n);
    const before = await count();
    await kit.slots.list(teacher, { providerAgencyId: 'centre-haishu' });
    await kit.slots.list(bureau, { providerAgencyId: 'centre-haishu' }).catch(() => undefined);
    expect(await count()).toBe(before + 2);
  });
});
