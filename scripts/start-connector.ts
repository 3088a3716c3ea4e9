import { parseArgs } from 'node:util';
import { serve } from '@hono/node-server';
import { createLogger } from '../adapters/logging/create-logger.js';
import { isConnectorKind } from '../connectors/create-agency-connector.js';
import { startStandaloneConnector } from '../connectors/standalone-connector.js';
import { loadConfig } from '../gateway/config.js';
import { DeploymentError, resolveDeployment } from '../gateway/deployment.js';

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
let agencyId = values.agency ?? config.connectorAgencyId;
let deployment;
try {
  deployment = await resolveDeployment(config, (agencies) => {
    agencyId ??= agencies.find((a) => a.type === kind)?.id;
    // A connector holds its own agency's private key and nothing else.
    return agencyId ? [agencyId] : [];
  });
} catch (error) {
  if (!(error instanceof DeploymentError)) throw error;
  console.error(`The connector refuses to start: ${error.message} (README "Configuration").`);
  process.exit(2);
}
agencyId ??= deployment.agencies.find((a) => a.type === kind)?.id;
const agency = deployment.agencies.find((a) => a.id === agencyId && a.type === kind);
if (!agency) {
  console.error(
    `No ${kind} agency named ${agencyId}. Registered: ${deployment.agencies
      .filter((a) => a.type === kind)
      .map((a) => a.id)
      .join(', ')}`,
  );
  process.exit(2);
}
const port = Number(values.port ?? config.connectorPort ?? { hospital: 4101, school: 4102, 'public-safety': 4103, 'counselling-centre': 4104 }[kind]);
const logger = createLogger({ name: `careloop-connector-${agency.id}`, level: config.logLevel });
const connector = await startStandaloneConnector({
  agencyId: agency.id,
  kafkaBrokers: config.kafkaBrokers,
  kafkaSasl: config.kafkaSasl,
  keyRing: deployment.keyRing,
  agencies: deployment.agencies,
  cipher: deployment.cipher,
  databaseUrl: config.databaseUrl,
  dataDir: config.dataDir,
  connectorKeysDir: deployment.connectorKeysDir,
  onConnectorKeyCreated: (id, key) => console.log(`New connector API key for ${id} (shown once, store it in the agency's system):\n  ${key}`),
  tokenMaxLifetimeSeconds: config.tokenMaxLifetimeSeconds,
  freshnessWindowMs: config.freshnessWindowMs,
  bodyLimitBytes: config.bodyLimitBytes,
  // FHIR_PUSH_URL names this connector's target; FHIR_PUSH_TARGETS (the hub's map) is the fallback.
  fhirPush: config.fhirPush ?? config.fhirPushTargets[agency.id],
  logger,
});
const server = serve({ fetch: connector.app.fetch, port, hostname: config.host }, (info) => {
  logger.info({ url: `http://${info.address}:${info.port}`, agencyId: agency.id }, `${kind} connector ready`);
});

async function shutdown() {
  server.close();
  await connector.shutdown();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown());
process.on('SIGTERM', () => void shutdown());
