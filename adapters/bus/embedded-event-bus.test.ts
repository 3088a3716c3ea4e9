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

describe("the embedded bus's cost per message", () => {
  it('reads a group position once, commits it in the read of the next batch, and on a wake reads only the topic published to', async () => {
    const client = await createPgliteClient();
    await migrate(client, 'bus');
    const statements: string[] = [];
    const counted: SqlClient = {
      ...client,
      async query<Row extends Record<string, unknown> = Record<string, unknown>>(text: string, params?: unknown[]): Promise<Row[]> {
        statements.push(text);
        return client.query<Row>(text, params);
      },
    };
    const bus = createEmbeddedEventBus({ client: counted, cipher: createEphemeralDataCipher(), pollIntervalMs: 3_600_000 });
    const arrived: string[] = [];
    const until = async (n: number) => {
      for (let i = 0; i < 200 && arrived.length < n; i++) await new Promise((r) => setTimeout(r, 10));
    };
    const count = (fragment: string) => statements.filter((s) => s.includes(fragment)).length;
    try {
      await bus.publish(
        'busy',
        Array.from({ length: 30 }, (_, i) => ({ key: 'k', value: `early-${i}` })),
      );
      await bus.subscribe({ groupId: 'cost', topics: ['busy', 'quiet-1', 'quiet-2'], handler: async (m) => void arrived.push(m.value) });
      await until(30);
      expect(arrived).toHaveLength(30);
      // The first round goes on to the quiet topics after delivering the busy one's 30: their positions are looked
      // up then, and must be before the count starts.
      for (let i = 0; i < 200 && count('FROM bus_offsets WHERE group_id') < 3; i++) await new Promise((r) => setTimeout(r, 10));
      expect(count('FROM bus_offsets WHERE group_id')).toBe(3);
      statements.length = 0;
      for (let i = 0; i < 5; i++) {
        await bus.publish('busy', [{ key: 'k', value: `late-${i}` }]);
        await until(31 + i);
      }
      expect(arrived.slice(30)).toEqual(['late-0', 'late-1', 'late-2', 'late-3', 'late-4']);
      // Five wakes: the position is already known, the quiet topics are not read, and each read carries the commit of
      // what the read before it delivered: one statement a wake, none of them a commit on its own.
      const reads = statements.filter((s) => s.includes('FROM bus_messages WHERE topic'));
      expect(reads.length).toBeGreaterThanOrEqual(5);
      expect(reads.length).toBeLessThanOrEqual(10);
      expect(statements.filter((s) => s.startsWith('WITH committed AS (INSERT INTO bus_offsets')).length).toBeGreaterThanOrEqual(5);
      expect(statements.filter((s) => !s.includes('FROM bus_messages WHERE topic') && !s.trimStart().startsWith('INSERT INTO bus_messages'))).toEqual([]);
      expect(count('FROM bus_offsets WHERE group_id')).toBe(0);
      // The last message's position is committed when the consumer closes, so a restart does not deliver it again.
      const [last] = await client.query<{ seq: string }>(`SELECT max(seq)::text AS seq FROM bus_messages WHERE topic = 'busy'`);
      await bus.close();
      const committed = await client.query<{ seq: string }>(`SELECT seq::text AS seq FROM bus_offsets WHERE group_id = 'cost' AND topic = 'busy'`);
      expect(committed).toEqual([{ seq: last!.seq }]);
    } finally {
      await bus.close();
      await client.close();
    }
  });
});
