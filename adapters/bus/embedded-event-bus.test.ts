import { mkdtemp, rm } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEphemeralDataCipher } from '../crypto/data-cipher.js';
import { migrate } from '../store/migrate.js';
import { createPgliteClient } from '../store/pglite-client.js';
import type { SqlClient } from '../store/sql-client.js';
import { createEmbeddedEventBus } from './embedded-event-bus.js';
import { describeEventBusContract } from './event-bus.contract.js';

describeEventBusContract('the embedded bus on PGlite', async () => {
  const cipher = createEphemeralDataCipher();
  const dir = await mkdtemp(join(tmpdir(), 'careloop-bus-'));
  let client: SqlClient = await createPgliteClient({ dataDir: dir });
  await migrate(client, 'bus');
  let bus = createEmbeddedEventBus({ client, cipher, redeliveryDelayMs: 10, pollIntervalMs: 100 });
  return {
    bus,
    // A reopen is a process restart: a new store connection on the same directory, a new bus.
    async reopen() {
      await bus.close();
      await client.close();
      client = await createPgliteClient({ dataDir: dir });
      bus = createEmbeddedEventBus({ client, cipher, redeliveryDelayMs: 10, pollIntervalMs: 100 });
      return bus;
    },
    async dispose() {
      await bus.close();
      await client.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

describe('the embedded bus waking its consumers', () => {
  it('delivers a message published while the consumer was reading at once, not at its next poll', async () => {
    const client = await createPgliteClient();
    await migrate(client, 'bus');
    // Holds the consumer just after a read found nothing, the moment a publish could slip past it.
    let hold: { reached: () => void; released: Promise<void> } | null = null;
    const gated: SqlClient = {
      ...client,
      async query<Row extends Record<string, unknown> = Record<string, unknown>>(text: string, params?: unknown[]): Promise<Row[]> {
        const rows = await client.query<Row>(text, params);
        if (hold && rows.length === 0 && text.includes('FROM bus_messages WHERE topic')) {
          hold.reached();
          await hold.released;
        }
        return rows;
      },
    };
    // A poll an hour away: only a wake-up delivers in time.
    const bus = createEmbeddedEventBus({ client: gated, cipher: createEphemeralDataCipher(), pollIntervalMs: 3_600_000 });
    const arrived: string[] = [];
    let release = () => undefined as void;
    const reached = new Promise<void>((resolveReached) => {
      const released = new Promise<void>((r) => (release = r));
      hold = { reached: resolveReached, released };
    });
    await bus.subscribe({ groupId: 'wake-test', topics: ['wake'], handler: async (m) => void arrived.push(m.value) });
    try {
      await reached;
      await bus.publish('wake', [{ key: 'k', value: 'while-reading' }]);
      hold = null;
      release();
      for (let i = 0; i < 100 && arrived.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(arrived).toEqual(['while-reading']);
    } finally {
      release();
      await bus.close();
      await client.close();
    }
  });
});
