import { parseArgs } from 'node:util';
import { serve } from '@hono/node-server';
import { loadOrCreateKeyRing } from '../adapters/crypto/key-ring.js';
import { createLogger } from '../adapters/logging/create-logger.js';
import { isConnectorKind } from '../connectors/create-agency-connector.js';
import { startStandaloneConnector } from '../connectors/standalone-connector.js';
import { SEED_AGENCIES } from '../core/development-seed.js';
import { loadConfig } from '../gateway/config.js';

/** `npm run start:connector -- <school|hospital|public-safety> [--agency <id>] [--port <n>]`: one connector as its own process. */
const { positionals, values } = parseArgs({ allowPositionals: true, options: { agency: { type: 'string' }, port: { type: 'string' } } });
const kind = positionals[0] ?? '';
if (!isConnectorKind(kind)) {
  console.error('usage: npm run start:connector -- <school|hospital|public-safety> [--agency <id>] [--port <n>]');
  process.exit(2);
}
const config = loadConfig();
if (!config.kafkaBrokers) {
  console.error('A connector running as its own process talks to the hub over Kafka: set KAFKA_BROKERS (see README).');
  process.exit(2);
}
const agencyId = values.agency ?? config.connectorAgencyId ?? SEED_AGENCIES.find((a) => a.type === kind)?.id;
const agency = SEED_AGENCIES.find((a) => a.id === agencyId && a.type === kind);
if (!agency) {
  console.error(`No ${kind} agency named ${agencyId}. Seeded: ${SEED_AGENCIES.filter((a) => a.type === kind).map((a) => a.id).join(', ')}`);
  process.exit(2);
}
const port = Number(values.port ?? config.connectorPort ?? { hospital: 4101, school: 4102, 'public-safety': 4103 }[kind]);
const logger = createLogger({ name: `careloop-connector-${agency.id}`, level: config.logLevel });
const keyRing = await loadOrCreateKeyRing({ agencies: SEED_AGENCIES, dir: config.keysDir });
const connector = await startStandaloneConnector({
  agencyId: agency.id,
  kafkaBrokers: config.kafkaBrokers,
  keyRing,
  databaseUrl: config.databaseUrl,
  dataDir: config.dataDir,
  logger,
  apiToken: config.connectorApiToken,
});
const server = serve({ fetch: connector.app.fetch, port, hostname: config.host }, (info) => {
  logger.info({ url: `http://${info.address}:${info.port}`, agencyId: agency.id }, `${kind} connector ready`);
});
if (!config.connectorApiToken) logger.warn('CONNECTOR_API_TOKEN is not set: the JSON API accepts any caller that can reach it');

async function shutdown() {
  server.close();
  await connector.shutdown();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown());
process.on('SIGTERM', () => void shutdown());
