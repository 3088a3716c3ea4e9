import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { createKafkaEventBus } from '../../adapters/bus/kafka-event-bus.js';
import { describeEventBusContract } from '../../adapters/bus/event-bus.contract.js';
import { createLogger } from '../../adapters/logging/create-logger.js';

describeEventBusContract('the Kafka bus on a real broker', async () => {
  // One namespace for the whole suite so a reopened bus sees the same topics and groups.
  const namespace = `c${randomUUID().slice(0, 8)}.`;
  const logger = createLogger({ name: 'kafka-contract', level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const build = () => createKafkaEventBus({ brokers: inject('kafkaBrokers'), sasl: inject('kafkaSasl'), clientId: 'contract-test', namespace, logger });
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
    const logger = createLogger({ name: 'kafka-large', level: process.env.TEST_LOG_LEVEL ?? 'silent' });
    const bus = createKafkaEventBus({
      brokers: inject('kafkaBrokers'),
      sasl: inject('kafkaSasl'),
      clientId: 'large-test',
      namespace: `l${randomUUID().slice(0, 8)}.`,
      logger,
    });
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
});
