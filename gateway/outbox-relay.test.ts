import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmbeddedEventBus, type EmbeddedEventBus } from '../adapters/bus/embedded-event-bus.js';
import { createLogger } from '../adapters/logging/create-logger.js';
import { createSignedEvent, verifySignedEvent, type VerifiedEvent } from '../adapters/messaging/signed-event.js';
import { migrate } from '../adapters/store/migrate.js';
import { HUB_AGENCY_ID } from '../core/development-seed.js';
import { agencyTopic } from '../core/messages/topics.js';
import type { EventDraft } from '../core/ports/event-draft.js';
import type { Principal } from '../core/ports/policy-engine.js';
import type { Transaction } from '../core/ports/unit-of-work.js';
import { REFERRAL_EVENT_TYPES } from '../core/referral/referral-events.js';
import { referralInput } from '../test/support/referral-fixtures.js';
import { createReferralServiceKit, type ReferralServiceKit } from '../test/support/referral-service-kit.js';
import { createOutboxRelay } from './outbox-relay.js';

const teacher: Principal = { agencyId: 'school-east', agencyType: 'school', role: 'psychology-teacher', userId: 'teacher-1', districtId: 'haishu' };
const liaison: Principal = { agencyId: 'hospital-kangning', agencyType: 'hospital', role: 'hospital-liaison', userId: 'dr-lin' };

describe('the outbox relay', () => {
  let kit: ReferralServiceKit;
  let bus: EmbeddedEventBus;
  let openTransactions = 0;
  const signings: Array<{ id: string; openTransactions: number }> = [];
  const received: VerifiedEvent[] = [];
  let relay: ReturnType<typeof createOutboxRelay>;
  /** Runs while the relay signs a draft: to change the outbox in the middle of a relay round. */
  let whileSigning: (() => Promise<void>) | null = null;

  beforeAll(async () => {
    kit = await createReferralServiceKit();
    await migrate(kit.sql, 'bus');
    // Counts the transactions open on the store, the way the embedded store's one connection is held.
    const withTransaction = kit.uow.withTransaction.bind(kit.uow);
    kit.uow.withTransaction = async <T>(work: (tx: Transaction) => Promise<T>): Promise<T> => {
      openTransactions++;
      try {
        return await withTransaction(work);
      } finally {
        openTransactions--;
      }
    };
    bus = createEmbeddedEventBus({ client: kit.sql, cipher: kit.cipher, pollIntervalMs: 50 });
    relay = createOutboxRelay({
      outbox: kit.uow,
      bus,
      logger: createLogger({ name: 'relay-test', level: 'silent' }),
      intervalMs: 3_600_000,
      async sign(draft: EventDraft) {
        signings.push({ id: draft.id, openTransactions });
        const during = whileSigning;
        whileSigning = null;
        await during?.();
        return createSignedEvent({ signer: kit.signer, ...draft });
      },
    });
    await bus.subscribe({
      groupId: 'relay-test',
      topics: [agencyTopic('school-east'), agencyTopic('hospital-kangning')],
      handler: async (m) => {
        received.push(await verifySignedEvent(m.value, kit.directory.agencies));
      },
    });
  });
  afterAll(async () => {
    await relay.stop();
    await bus.close();
    await kit.close();
  });

  async function flush(): Promise<void> {
    relay.nudge();
    await relay.stop();
  }

  /** Queues, in its own transaction, a status change to the school like the one already published. */
  const queueStatus = (subject: string, id: string) =>
    kit.uow.withTransaction((tx) =>
      kit.uow.enqueueEvent(tx, agencyTopic('school-east'), {
        id,
        type: REFERRAL_EVENT_TYPES.statusChanged,
        subject,
        recipient: 'school-east',
        data: received.find((e) => e.type === REFERRAL_EVENT_TYPES.statusChanged)?.data,
        time: kit.clock.now(),
      }),
    );

  async function waitFor(count: number): Promise<void> {
    for (let i = 0; i < 100 && received.length < count; i++) await new Promise((r) => setTimeout(r, 20));
  }

  it('signs what a change queued only after its transaction committed, and publishes it verifiable by every agency', async () => {
    const sentAt = kit.clock.now();
    const referral = await kit.service.createReferral(teacher, referralInput({ subjectId: await kit.newSubject() }));
    await kit.service.act(liaison, referral.id, { action: 'ACCEPT' });
    // The relay runs later than the change: the event keeps the time of the change, not of its signing.
    kit.clock.advance(60_000);
    await flush();
    await waitFor(3);

    expect(signings.length).toBeGreaterThanOrEqual(3);
    expect(signings.filter((s) => s.openTransactions > 0)).toEqual([]);
    const ofReferral = received.filter((e) => e.subject === referral.id);
    expect(ofReferral.map((e) => [e.type, e.recipient]).sort()).toEqual(
      [
        [REFERRAL_EVENT_TYPES.sent, 'hospital-kangning'],
        [REFERRAL_EVENT_TYPES.statusChanged, 'hospital-kangning'],
        [REFERRAL_EVENT_TYPES.statusChanged, 'school-east'],
      ].sort(),
    );
    expect(ofReferral.every((e) => e.agencyId === HUB_AGENCY_ID && e.time === sentAt.toISOString())).toBe(true);
    expect(new Set(ofReferral.map((e) => e.id)).size).toBe(3);
  });

  it('never signs nor publishes what a rolled-back transaction queued', async () => {
    const id = randomUUID();
    await expect(
      kit.uow.withTransaction(async (tx) => {
        await kit.uow.enqueueEvent(tx, agencyTopic('school-east'), {
          id,
          type: REFERRAL_EVENT_TYPES.statusChanged,
          subject: 'referral-rolled-back',
          recipient: 'school-east',
          data: {},
          time: kit.clock.now(),
        });
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    await flush();
    expect(signings.map((s) => s.id)).not.toContain(id);
    expect(received.map((e) => e.id)).not.toContain(id);
  });

  it('publishes as it is a message that was queued already signed, before the outbox held drafts', async () => {
    const signed = await createSignedEvent({
      signer: kit.signer,
      type: REFERRAL_EVENT_TYPES.statusChanged,
      subject: 'referral-from-before',
      recipient: 'school-east',
      // A genuine status change's data: the recipient's connector validates what it receives.
      data: received.find((e) => e.type === REFERRAL_EVENT_TYPES.statusChanged)?.data,
      time: kit.clock.now(),
    });
    const sealed = kit.cipher.seal(signed.value, 'outbox.message_value');
    await kit.sql.query('INSERT INTO outbox (topic, message_key, message_value) VALUES ($1, $2, $3)', [agencyTopic('school-east'), signed.key, sealed]);
    const signingsBefore = signings.length;
    await flush();
    await waitFor(received.length + 1);
    expect(received.map((e) => e.id)).toContain(signed.id);
    expect(signings.length).toBe(signingsBefore);
  });

  it('publishes what a transaction queued while the relay was publishing, without waiting for its timer', async () => {
    const subject = `referral-during-${randomUUID()}`;
    const queue = (id: string) => queueStatus(subject, id);
    const [first, second] = [randomUUID(), randomUUID()];
    await queue(first);
    // The second commits after the relay read the outbox (one row, short of a full batch), and nudges as a commit does.
    whileSigning = async () => {
      await queue(second);
      relay.nudge();
    };
    const before = received.length;
    await flush();
    await waitFor(before + 2);
    expect(received.filter((e) => e.subject === subject).map((e) => e.id)).toEqual([first, second]);
  });

  it('publishes what one transaction after another queued in the order it was queued, past outbox id 9 and 99', async () => {
    const subject = `referral-ordered-${randomUUID()}`;
    const ids: string[] = [];
    for (let i = 0; i < 120; i++) {
      const id = randomUUID();
      ids.push(id);
      await queueStatus(subject, id);
    }
    const before = received.length;
    await flush();
    await waitFor(before + 120);
    expect(received.filter((e) => e.subject === subject).map((e) => e.id)).toEqual(ids);
  });
});
