import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { createLogger } from '../../adapters/logging/create-logger.js';
import { createHub } from '../../gateway/create-hub.js';
import { describeConsent } from '../../gateway/consent/consent.scenarios.js';

describeConsent('Kafka and PostgreSQL', async (hubOptions) => {
  const database = `careloop_consent_${randomUUID().slice(0, 8)}`;
  const admin = new pg.Client({ connectionString: inject('databaseUrl') });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();
  const hub = await createHub({
    ...hubOptions,
    databaseUrl: inject('databaseUrl').replace(/\/careloop_test$/, `/${database}`),
    kafkaBrokers: inject('kafkaBrokers'),
    kafkaSasl: inject('kafkaSasl'),
    kafkaNamespace: `c${randomUUID().slice(0, 8)}.`,
    logger: createLogger({ name: 'consent-kafka-pg', level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
  });
  return { hub, stop: () => hub.stop() };
});
