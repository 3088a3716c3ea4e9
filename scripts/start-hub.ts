import { serve } from '@hono/node-server';
import { createLogger } from '../adapters/logging/create-logger.js';
import { loadConfig } from '../gateway/config.js';
import { createHub } from '../gateway/create-hub.js';

/** `npm start`: the whole hub in one process, on embedded defaults unless KAFKA_BROKERS / DATABASE_URL say otherwise. */
const config = loadConfig();
const logger = createLogger({ name: 'careloop-hub', level: config.logLevel });
const hub = await createHub({
  databaseUrl: config.databaseUrl,
  dataDir: config.dataDir,
  kafkaBrokers: config.kafkaBrokers,
  keysDir: config.keysDir,
  embedConnectors: config.embedConnectors,
  connectorApiToken: config.connectorApiToken,
  logger,
});
const server = serve({ fetch: hub.fetch, port: config.port, hostname: config.host }, (info) => {
  const base = `http://${info.address === '::1' ? 'localhost' : info.address}:${info.port}`;
  logger.info(
    {
      graphql: `${base}/graphql`,
      store: config.databaseUrl ? 'postgresql' : 'pglite',
      bus: config.kafkaBrokers ? 'kafka' : 'embedded',
      connectors: [...hub.connectors.keys()].map((id) => `${base}/connectors/${id}`),
    },
    'Careloop hub ready',
  );
  console.log(`\nCareloop hub ready. GraphiQL: ${base}/graphql  (tokens: npm run token -- --agency school-east --role psychology-teacher)\n`);
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
