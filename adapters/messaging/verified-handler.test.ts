import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../core/clock.js';
import { InvalidTransitionError, ServiceUnavailableError } from '../../core/errors.js';
import { TOPICS } from '../../core/messages/topics.js';
import type { IncomingMessage } from '../../core/ports/event-bus.js';
import { REFERRAL_EVENT_TYPES } from '../../core/referral/referral-events.js';
import { createEmbeddedEventBus } from '../bus/embedded-event-bus.js';
import { createAgencySigner, generateAgencySigningKey, publicJwk } from '../crypto/agency-keys.js';
import { createEphemeralDataCipher } from '../crypto/data-cipher.js';
import { createStaticDirectory } from '../crypto/static-directory.js';
import { createLogger } from '../logging/create-logger.js';
import { migrate } from '../store/migrate.js';
import { createPgliteClient } from '../store/pglite-client.js';
import { createSqlRefusedEvents } from '../store/sql-refused-events.js';
import { createSignedEvent } from './signed-event.js';
import { createVerifiedHandler } from './verified-handler.js';

const eventually = async (probe: () => boolean, what: string) => {
  for (let i = 0; i < 200; i++) {
    if (probe()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
};

describe('a verified consumer on the embedded bus', async () => {
  const clock = createManualClock(new Date('2026-11-23T08:00:00Z'));
  const key = await generateAgencySigningKey('hospital-a');
  const directory = createStaticDirectory([{ id: 'hospital-a', type: 'hospital', name: 'H', publicKeys: { keys: [await publicJwk(key)] } }]);
  const signer = await createAgencySigner('hospital-a', key);
  const report = (referralId: string) =>
    createSignedEvent({
      signer,
      type: REFERRAL_EVENT_TYPES.hospitalReport,
      subject: referralId,
      recipient: 'careloop-hub',
      data: { referralId, action: 'ACCEPT', reportedBy: 'dr-lin', reportedVia: 'api-key:k1', reportedAt: clock.now().toISOString() },
      time: clock.now(),
      correlationId: 'c-1',
    });

  async function consumer(handle: (referralId: string) => Promise<void>) {
    const client = await createPgliteClient();
    await migrate(client, 'bus');
    await migrate(client, 'events');
    const bus = createEmbeddedEventBus({ client, cipher: createEphemeralDataCipher(), redeliveryDelayMs: 5, pollIntervalMs: 20 });
    const deadLetters: IncomingMessage[] = [];
    await bus.subscribe({ groupId: 'watch', topics: [TOPICS.deadLetter], handler: async (m) => void deadLetters.push(m) });
    await bus.subscribe({
      groupId: 'test-consumer',
      topics: [TOPICS.hubInbound],
      handler: createVerifiedHandler({
        consumer: 'test-consumer',
        recipient: 'careloop-hub',
        directory,
        clock,
        refusals: createSqlRefusedEvents(client),
        bus,
        logger: createLogger({ name: 'test', level: 'silent' }),
        maxAttempts: 2,
        backoffMs: 1,
        handle: async (event) => handle((event.data as { referralId: string }).referralId),
      }),
    });
    return { bus, deadLetters, close: async () => (await bus.close(), await client.close()) };
  }

  it('holds an event that meets an unavailable store and applies it, in order, once the store is back; nothing is dead-lettered', async () => {
    let storeUp = false;
    const applied: string[] = [];
    const { bus, deadLetters, close } = await consumer(async (referralId) => {
      if (!storeUp) throw new ServiceUnavailableError();
      applied.push(referralId);
    });
    try {
      await bus.publish(TOPICS.hubInbound, [await report('r-1'), await report('r-2')]);
      await new Promise((r) => setTimeout(r, 200)); // far beyond the handler's own two attempts
      expect(applied).toEqual([]);
      storeUp = true;
      await eventually(() => applied.length === 2, 'both events applied');
      expect(applied).toEqual(['r-1', 'r-2']);
      expect(deadLetters).toEqual([]);
    } finally {
      await close();
    }
  });

  it('still dead-letters an event the domain refuses, and moves on to the next', async () => {
    const applied: string[] = [];
    const { bus, deadLetters, close } = await consumer(async (referralId) => {
      if (referralId === 'r-bad') throw new InvalidTransitionError('SENT', 'ACCEPT');
      applied.push(referralId);
    });
    try {
      await bus.publish(TOPICS.hubInbound, [await report('r-bad'), await report('r-good')]);
      await eventually(() => applied.length === 1 && deadLetters.length === 1, 'one applied, one dead-lettered');
      expect(applied).toEqual(['r-good']);
      expect(deadLetters[0]?.headers['careloop-reason']).toBe('INVALID_TRANSITION');
    } finally {
      await close();
    }
  });
});
