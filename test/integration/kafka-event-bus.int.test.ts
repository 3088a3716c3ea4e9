import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
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
