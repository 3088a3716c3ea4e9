import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { createLogger } from '../../adapters/logging/create-logger.js';
import { createHub } from '../../gateway/create-hub.js';
import { describeWarningRegister } from '../../gateway/warning/warning-register.scenarios.js';

describeWarningRegister('Kafka and PostgreSQL', async (hubOptions) => {
  const database = `careloop_warning_${randomUUID().slice(0, 8)}`;
  const admin = new pg.Client({ connectionString: inject('databaseUrl') });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();
  const hub = await createHub({
    ...hubOptions,
    databaseUrl: inject('databaseUrl').replace(/\/careloop_test$/, `/${database}`),
    kafkaBrokers: inject('kafkaBrokers'),
    kafkaSasl: inject('kafkaSasl'),
    kafkaNamespace: `w${randomUUID().slice(0, 8)}.`,
    logger: createLogger({ name: 'warning-kafka-pg', level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
  });
  return { hub, stop: () => hub.stop() };
});
