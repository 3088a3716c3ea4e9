import { serve } from '@hono/node-server';
import { createLogger } from '../adapters/logging/create-logger.js';
import { HUB_AGENCY_ID } from '../core/development-seed.js';
import { loadConfig } from '../gateway/config.js';
import { createHub } from '../gateway/create-hub.js';
import { DeploymentError, resolveDeployment } from '../gateway/deployment.js';

/** `npm start`: the whole hub in one process, on embedded defaults unless KAFKA_BROKERS / DATABASE_URL say otherwise. */
const config = loadConfig();
const logger = createLogger({ name: 'careloop-hub', level: config.logLevel });
let deployment;
try {
  deployment = await resolveDeployment(config, (agencies) => [
    HUB_AGENCY_ID,
    // Embedded connectors sign with their agencies' keys (a hospital's decisions, a school's imports and enrolment, a
    // police bureau's signals), so a production single-machine hub needs those too.
    ...(config.embedConnectors ? agencies.filter((a) => a.type !== 'hub' && a.type !== 'education-bureau').map((a) => a.id) : []),
  ]);
} catch (error) {
  if (!(error instanceof DeploymentError)) throw error;
  console.error(`Careloop refuses to start: ${error.message} (README "Configuration").`);
  process.exit(2);
}
if (deployment.development) {
  console.log(
    '\n*** DEVELOPMENT MODE: invented students, keys generated into ' +
      `${config.keysDir}, GraphiQL and introspection on. Set CARELOOP_MODE=production for real data. ***\n`,
  );
}
const hub = await createHub({
  databaseUrl: config.databaseUrl,
  dataDir: config.dataDir,
  pgliteSharedBuffers: config.pgliteSharedBuffers,
  kafkaBrokers: config.kafkaBrokers,
  kafkaSasl: config.kafkaSasl,
  inboundConcurrency: config.inboundConcurrency,
  keyRing: deployment.keyRing,
  agencies: deployment.agencies,
  cipher: deployment.cipher,
  ...(deployment.pseudonymiser ? { pseudonymiser: deployment.pseudonymiser } : {}),
  development: deployment.development,
  seed: deployment.seed,
  embedConnectors: config.embedConnectors,
  connectorKeysDir: deployment.connectorKeysDir,
  // Shown once, on the terminal only: the hub keeps only a hash. Never logged.
  onConnectorKeyCreated: (agencyId, key) => console.log(`New connector API key for ${agencyId} (shown once, store it in the agency's system):\n  ${key}`),
  tokenMaxLifetimeSeconds: config.tokenMaxLifetimeSeconds,
  freshnessWindowMs: config.freshnessWindowMs,
  bodyLimitBytes: config.bodyLimitBytes,
  corsOrigins: config.corsOrigins,
  busRetentionMs: config.busRetentionMs,
  inboxRetentionMs: config.inboxRetentionMs,
  auditRetentionMs: config.auditRetentionMs,
  auditArchiveDir: config.auditArchiveDir,
  auditCheckpointIntervalMs: config.auditCheckpointIntervalMs,
  deadlines: config.deadlines,
  deadlineCheckIntervalMs: config.deadlineCheckIntervalMs,
  signalPolicy: config.signalPolicy,
  emergencyWindowMs: config.emergencyWindowMs,
  fhirPush: config.fhirPushTargets,
  logger,
});
const server = serve({ fetch: hub.fetch, port: config.port, hostname: config.host }, (info) => {
  const base = `http://${info.address === '::1' ? 'localhost' : info.address}:${info.port}`;
  logger.info(
    {
      graphql: `${base}/graphql`,
      mode: deployment.development ? 'development' : 'production',
      store: config.databaseUrl ? 'postgresql' : 'pglite',
      bus: config.kafkaBrokers ? 'kafka' : 'embedded',
      connectors: [...hub.connectors.keys()].map((id) => `${base}/connectors/${id}`),
    },
    'Careloop hub ready',
  );
  const hint = deployment.development
    ? `GraphiQL: ${base}/graphql  (tokens: npm run token -- --agency school-east --role psychology-teacher)`
    : `GraphQL: ${base}/graphql`;
  console.log(`\nCareloop hub ready. ${hint}\n`);
});

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'stopping');
  server.close();
  await hub.stop();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
