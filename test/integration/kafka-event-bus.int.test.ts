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

describe('the Kafka bus works on partitions at once', () => {
  it('does not hold messages about other keys behind a slow one, as several replicas would not', async () => {
    const logger = createLogger({ name: 'kafka-partitions', level: process.env.TEST_LOG_LEVEL ?? 'silent' });
    const bus = createKafkaEventBus({
      brokers: inject('kafkaBrokers'),
      sasl: inject('kafkaSasl'),
      clientId: 'partitions-test',
      namespace: `p${randomUUID().slice(0, 8)}.`,
      logger,
    });
    try {
      const topic = `partitions.${randomUUID()}`;
      await bus.ensureTopics([topic]);
      const handled: string[] = [];
      let release = () => undefined as void;
      const held = new Promise<void>((resolve) => (release = resolve));
      // Published before the group joins, so that its first fetch brings every partition's messages at once (a backlog).
      await bus.publish(topic, [{ key: 'slow-key', value: 'slow' }]);
      // Twenty other keys: some land in another of the 3 partitions (all in the slow one's: 3^-20).
      await bus.publish(
        topic,
        Array.from({ length: 20 }, (_, i) => ({ key: `other-${i}`, value: `other-${i}` })),
      );
      const subscription = await bus.subscribe({
        groupId: `g-${randomUUID()}`,
        topics: [topic],
        async handler(m) {
          // The first message waits until a message about another key has been handled meanwhile (or 10 s pass).
          if (m.value === 'slow') await Promise.race([held, new Promise((r) => setTimeout(r, 10_000))]);
          handled.push(m.value);
          if (m.value !== 'slow') release();
        },
      });
      const deadline = Date.now() + 30_000;
      while (handled.length < 21 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      await subscription.close();
      expect(handled).toHaveLength(21);
      // Another partition went on while the slow message was held: the slow one was not first to finish.
      expect(handled.indexOf('slow')).toBeGreaterThan(0);
    } finally {
      await bus.close();
    }
  });
});
