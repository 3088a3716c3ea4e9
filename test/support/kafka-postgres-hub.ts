import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { createLogger } from '../../adapters/logging/create-logger.js';
import { createHub, type Hub, type HubOptions } from '../../gateway/create-hub.js';
import { createDatabase } from '../harness/postgres-server.js';

/**
 * A hub on the harness's Kafka broker and PostgreSQL server, in a database and topic namespace of its own, for the
 * scenario suites that run on every deployment (`describeSignals`, `describeConsent`, ...). `name` names the
 * database (`careloop_<name>_<random>`) and the silent default logger.
 */
export async function startKafkaPostgresHub(hubOptions: HubOptions, name: string): Promise<{ hub: Hub; stop(): Promise<void> }> {
  const suffix = randomUUID().slice(0, 8);
  const databaseUrl = await createDatabase(inject('databaseUrl'), `careloop_${name}_${suffix}`);
  const hub = await createHub({
    logger: createLogger({ name: `${name}-kafka-pg`, level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    ...hubOptions,
    databaseUrl,
    kafkaBrokers: inject('kafkaBrokers'),
    kafkaSasl: inject('kafkaSasl'),
    kafkaNamespace: `${name}-${suffix}.`,
  });
  return { hub, stop: () => hub.stop() };
}
