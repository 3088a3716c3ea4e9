import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventBus, IncomingMessage } from '../../core/ports/event-bus.js';

async function waitFor(check: () => boolean, what: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}.`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * The semantics the domain relies on, pinned once and run against every EventBus adapter: per-key order,
 * at-least-once delivery, independent consumer groups, and a group resuming where it left off.
 */
export function describeEventBusContract(
  name: string,
  makeBus: () => Promise<{ bus: EventBus; reopen: () => Promise<EventBus>; dispose: () => Promise<void> }>,
) {
  describe(`${name} (EventBus contract)`, () => {
    let bus: EventBus;
    let reopen: () => Promise<EventBus>;
    let dispose: () => Promise<void>;
    beforeAll(async () => {
      ({ bus, reopen, dispose } = await makeBus());
    });
    afterAll(async () => {
      await dispose?.();
    });

    const topic = () => `contract.${randomUUID()}`;
    const group = () => `group-${randomUUID()}`;

    it('delivers messages with the same key in the order they were published', async () => {
      const t = topic();
      await bus.ensureTopics([t]);
      const seen: string[] = [];
      const sub = await bus.subscribe({ groupId: group(), topics: [t], handler: async (m) => void seen.push(`${m.key}:${m.value}`) });
      for (let i = 0; i < 20; i++) await bus.publish(t, [{ key: `k${i % 3}`, value: String(i) }]);
      await waitFor(() => seen.length === 20, 'twenty messages');
      await sub.close();
      for (const key of ['k0', 'k1', 'k2']) {
        const values = seen.filter((s) => s.startsWith(`${key}:`)).map((s) => Number(s.split(':')[1]));
        expect(values).toEqual([...values].sort((a, b) => a - b));
      }
    });

    it('delivers a backlog in the order it was published, each message once, past 9, 99 and a full read', async () => {
      const t = topic();
      await bus.ensureTopics([t]);
      await bus.publish(
        t,
        Array.from({ length: 250 }, (_, i) => ({ key: 'one-child', value: String(i) })),
      );
      const seen: number[] = [];
      const sub = await bus.subscribe({ groupId: group(), topics: [t], handler: async (m) => void seen.push(Number(m.value)) });
      await waitFor(() => seen.length >= 250, 'the backlog');
      await new Promise((r) => setTimeout(r, 200));
      await sub.close();
      expect(seen).toEqual(Array.from({ length: 250 }, (_, i) => i));
    });

    it('publishes to several topics at once, each topic in the order given, with keys and headers', async () => {
      const [a, b] = [topic(), topic()];
      await bus.ensureTopics([a, b]);
      const seen: IncomingMessage[] = [];
      const sub = await bus.subscribe({ groupId: group(), topics: [a, b], handler: async (m) => void seen.push(m) });
      await bus.publishAll([
        { topic: a, messages: Array.from({ length: 30 }, (_, i) => ({ key: 'school', value: `a${i}`, headers: { n: String(i) } })) },
        {
          topic: b,
          messages: [
            { key: 'bureau', value: 'b0' },
            { key: 'bureau', value: 'b1' },
          ],
        },
        { topic: a, messages: [{ key: 'school', value: 'a30' }] },
      ]);
      await bus.publishAll([]);
      await waitFor(() => seen.length >= 33, 'both topics');
      await new Promise((r) => setTimeout(r, 200));
      await sub.close();
      expect(seen.filter((m) => m.topic === a).map((m) => m.value)).toEqual(Array.from({ length: 31 }, (_, i) => `a${i}`));
      expect(seen.filter((m) => m.topic === b).map((m) => [m.key, m.value])).toEqual([
        ['bureau', 'b0'],
        ['bureau', 'b1'],
      ]);
      expect(seen.find((m) => m.value === 'a7')?.headers.n).toBe('7');
    });

    it('delivers a message published without a key, with its key absent', async () => {
      const t = topic();
      await bus.ensureTopics([t]);
      const seen: IncomingMessage[] = [];
      const sub = await bus.subscribe({ groupId: group(), topics: [t], handler: async (m) => void seen.push(m) });
      await bus.publish(t, [
        { key: null, value: 'unordered' },
        { key: 'k', value: 'keyed' },
      ]);
      await waitFor(() => seen.length === 2, 'both messages');
      await sub.close();
      expect(seen.find((m) => m.value === 'unordered')?.key).toBeNull();
      expect(seen.find((m) => m.value === 'keyed')?.key).toBe('k');
    });

    it('redelivers a message whose handler failed, so nothing is lost', async () => {
      const t = topic();
      await bus.ensureTopics([t]);
      let failures = 0;
      const handled: IncomingMessage[] = [];
      const sub = await bus.subscribe({
        groupId: group(),
        topics: [t],
        handler: async (m) => {
          if (failures < 2) {
            failures++;
            throw new Error('transient');
          }
          handled.push(m);
        },
      });
      await bus.publish(t, [{ key: 'a', value: 'payload', headers: { 'content-type': 'text/plain' } }]);
      await waitFor(() => handled.length === 1, 'the message after two failures');
      await sub.close();
      expect(failures).toBe(2);
      expect(handled[0]).toMatchObject({ topic: t, key: 'a', value: 'payload', headers: { 'content-type': 'text/plain' } });
    });

    it('gives every consumer group its own copy of each message', async () => {
      const t = topic();
      await bus.ensureTopics([t]);
      const a: string[] = [];
      const b: string[] = [];
      const subA = await bus.subscribe({ groupId: group(), topics: [t], handler: async (m) => void a.push(m.value) });
      const subB = await bus.subscribe({ groupId: group(), topics: [t], handler: async (m) => void b.push(m.value) });
      await bus.publish(t, [
        { key: 'x', value: '1' },
        { key: 'y', value: '2' },
      ]);
      await waitFor(() => a.length === 2 && b.length === 2, 'both groups');
      await subA.close();
      await subB.close();
      expect(a.sort()).toEqual(['1', '2']);
      expect(b.sort()).toEqual(['1', '2']);
    });

    it('resumes a group after its last handled message, also across a reconnect', async () => {
      const t = topic();
      const g = group();
      await bus.ensureTopics([t]);
      const first: string[] = [];
      const sub = await bus.subscribe({ groupId: g, topics: [t], handler: async (m) => void first.push(m.value) });
      await bus.publish(t, [{ key: 'k', value: 'before' }]);
      await waitFor(() => first.length === 1, 'the first message');
      await sub.close();
      await bus.publish(t, [{ key: 'k', value: 'while-away' }]);

      bus = await reopen();
      const second: string[] = [];
      const again = await bus.subscribe({ groupId: g, topics: [t], handler: async (m) => void second.push(m.value) });
      await waitFor(() => second.length >= 1, 'the message published while away');
      await again.close();
      expect(second).toEqual(['while-away']);
    });
  });
}
