import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { createLogger } from '../adapters/logging/create-logger.js';
import { startStandaloneConnector } from '../connectors/standalone-connector.js';
import { loadConfig } from '../gateway/config.js';
import { resolveDeployment } from '../gateway/deployment.js';

/**
 * One agency's connector as its own process for a benchmark, as `npm run start:connector` runs it in production:
 * its own Kafka client and inbox store, the development keys the bench's hub wrote to the shared data directory.
 * BENCH_CONNECTOR is JSON: { agencyId, dataDir, kafka: { brokers, sasl, namespace }, databaseUrl? }. It serves its
 * API on a free loopback port, prints one JSON line { port, apiKey } once ready, and stops on SIGTERM.
 */
interface RunOptions {
  agencyId: string;
  dataDir: string;
  kafka: { brokers: string[]; sasl?: { mechanism: 'scram-sha-256'; username: string; password: string }; namespace: string };
  databaseUrl?: string;
}

const run = JSON.parse(process.env.BENCH_CONNECTOR ?? '') as RunOptions;
const config = loadConfig({ CARELOOP_MODE: 'development', DATA_DIR: run.dataDir, KAFKA_BROKERS: run.kafka.brokers.join(','), LOG_LEVEL: 'silent' });
const deployment = await resolveDeployment(config, () => [run.agencyId]);
let apiKey = '';
const connector = await startStandaloneConnector({
  agencyId: run.agencyId,
  kafkaBrokers: run.kafka.brokers,
  kafkaNamespace: run.kafka.namespace,
  ...(run.kafka.sasl ? { kafkaSasl: run.kafka.sasl } : {}),
  keyRing: deployment.keyRing,
  agencies: deployment.agencies,
  cipher: deployment.cipher,
  ...(run.databaseUrl ? { databaseUrl: run.databaseUrl } : {}),
  onConnectorKeyCreated: (_agencyId, key) => void (apiKey = key),
  logger: createLogger({ name: `bench-connector-${run.agencyId}`, level: 'silent' }),
});
const server = serve({ fetch: connector.app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => {
  process.stdout.write(`${JSON.stringify({ port: info.port, apiKey })}\n`);
});
process.on('SIGTERM', () => {
  server.close();
  void connector.shutdown().finally(() => process.exit(0));
});
