import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, inject, it } from 'vitest';
import { createKafkaEventBus } from '../../adapters/bus/kafka-event-bus.js';
import { describeEventBusContract } from '../../adapters/bus/event-bus.contract.js';
import { createLogger } from '../../adapters/logging/create-logger.js';

/** A bus on the suite's broker, its topics and groups under `namespace` (a fresh one unless given). */
const busOn = (name: string, namespace = `${name.slice(0, 1)}${randomUUID().slice(0, 8)}.`) =>
  createKafkaEventBus({
    brokers: inject('kafkaBrokers'),
    sasl: inject('kafkaSasl'),
    clientId: `${name}-test`,
    namespace,
    logger: createLogger({ name: `kafka-${name}`, level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
  });

describeEventBusContract('the Kafka bus on a real broker', async () => {
  // One namespace for the whole suite so a reopened bus sees the same topics and groups.
  const namespace = `c${randomUUID().slice(0, 8)}.`;
  const build = () => busOn('contract', namespace);
  let bus = build();
  return {
    bus,
    async reopen() {
      await bus.close();
      bus = build();
      return bus;
    },
    dispose: () => bus.close(),
  };
});

describe('the Kafka bus with large messages', () => {
  it('publishes a backlog of large messages whose total passes the broker’s message limit, in order', async () => {
    const bus = busOn('large');
    try {
      const topic = `large.${randomUUID()}`;
      await bus.ensureTopics([topic]);
      // Four messages of 400 kB for one key (one partition): 1.6 MB, more than a 1 MB record batch takes.
      const messages = Array.from({ length: 4 }, (_, i) => ({ key: 'one-key', value: `${i}:${'x'.repeat(400_000)}` }));
      await bus.publish(topic, messages);
      const seen: string[] = [];
      const subscription = await bus.subscribe({ groupId: `g-${randomUUID()}`, topics: [topic], handler: async (m) => void seen.push(m.value.slice(0, 2)) });
      const deadline = Date.now() + 30_000;
      while (seen.length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      await subscription.close();
      expect(seen).toEqual(['0:', '1:', '2:', '3:']);
    } finally {
      await bus.close();
    }
  });

  it('publishes large messages for two topics at once in several requests, each topic in order', async () => {
    const bus = busOn('large-two');
    try {
      const [a, b] = [`large-a.${randomUUID()}`, `large-b.${randomUUID()}`];
      await bus.ensureTopics([a, b]);
      // Three of 400 kB to each topic, interleaved in the requests: 2.4 MB, three requests at least.
      const messages = (tag: string) => Array.from({ length: 3 }, (_, i) => ({ key: 'one-key', value: `${tag}${i}:${'x'.repeat(400_000)}` }));
      await bus.publishAll([
        { topic: a, messages: messages('a') },
        { topic: b, messages: messages('b') },
      ]);
      const seen: Array<{ topic: string; head: string }> = [];
      const subscription = await bus.subscribe({
        groupId: `g-${randomUUID()}`,
        topics: [a, b],
        handler: async (m) => void seen.push({ topic: m.topic, head: m.value.slice(0, 3) }),
      });
      const deadline = Date.now() + 30_000;
      while (seen.length < 6 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      await subscription.close();
      expect(seen.filter((m) => m.topic === a).map((m) => m.head)).toEqual(['a0:', 'a1:', 'a2:']);
      expect(seen.filter((m) => m.topic === b).map((m) => m.head)).toEqual(['b0:', 'b1:', 'b2:']);
    } finally {
      await bus.close();
    }
  });
});

describe('the Kafka bus with messages that keep no order', () => {
  it('spreads messages published without a key evenly over the topic’s partitions', async () => {
    // A police bureau's batch events keep no order with one another. Keyed by a source id, a backlog of 40 fell
    // 22/9/9 on three partitions, and the hub's three workers waited for the fullest one.
    const namespace = `u${randomUUID().slice(0, 8)}.`;
    const bus = busOn('unkeyed', namespace);
    const admin = new Kafka({
      clientId: 'unkeyed-test-admin',
      brokers: inject('kafkaBrokers'),
      sasl: { ...inject('kafkaSasl') },
      logLevel: logLevel.NOTHING,
    }).admin();
    try {
      const topic = `unkeyed.${randomUUID()}`;
      await bus.ensureTopics([topic]);
      await bus.publish(
        topic,
        Array.from({ length: 30 }, (_, i) => ({ key: null, value: String(i) })),
      );
      await admin.connect();
      const offsets = await admin.fetchTopicOffsets(`${namespace}${topic}`);
      expect(offsets.map((o) => Number(o.high))).toEqual([10, 10, 10]);
    } finally {
      await admin.disconnect();
      await bus.close();
    }
  });
});

describe('the Kafka bus handling several partitions at once', () => {
  it('handles a message of another partition while one is still being handled, and keeps each key in order', async () => {
    const bus = busOn('concurrency');
    try {
      const topic = `concurrent.${randomUUID()}`;
      await bus.ensureTopics([topic]);
      // key-0's first message and the other keys' messages wait for each other: key-0#1 holds its handler until a
      // message of another key is handled, which waits until key-0#1 holds. Ten keys over the topic's three
      // partitions, all sent before the group starts, so one fetch brings several partitions. Handled one partition
      // at a time, whichever side comes first waits in vain.
      const keys = Array.from({ length: 10 }, (_, i) => `key-${i}`);
      await bus.publish(
        topic,
        keys.flatMap((key) => [1, 2].map((n) => ({ key, value: `${key}#${n}` }))),
      );
      const handled: string[] = [];
      let waitedInVain = false;
      const waitFor = async (what: Promise<void>) => {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          what,
          new Promise<void>((resolve) => {
            timer = setTimeout(() => {
              waitedInVain = true;
              resolve();
            }, 10_000);
          }),
        ]);
        clearTimeout(timer);
      };
      let holding: () => void = () => undefined;
      const held = new Promise<void>((resolve) => (holding = resolve));
      let release: () => void = () => undefined;
      const released = new Promise<void>((resolve) => (release = resolve));
      const subscription = await bus.subscribe({
        groupId: `g-${randomUUID()}`,
        topics: [topic],
        concurrency: 3,
        handler: async (m) => {
          if (m.value === 'key-0#1') {
            holding();
            await waitFor(released);
          } else if (!m.value.startsWith('key-0#')) {
            await waitFor(held);
            release();
          }
          handled.push(m.value);
        },
      });
      const deadline = Date.now() + 60_000;
      while (handled.length < 20 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      await subscription.close();
      expect(waitedInVain).toBe(false);
      expect(handled).toHaveLength(20);
      for (const key of keys) expect(handled.indexOf(`${key}#1`)).toBeLessThan(handled.indexOf(`${key}#2`));
    } finally {
      await bus.close();
    }
  });
});
