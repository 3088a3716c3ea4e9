import { join } from 'node:path';
import type { Logger } from 'pino';
import { createKafkaEventBus } from '../adapters/bus/kafka-event-bus.js';
import type { KeyRing } from '../adapters/crypto/key-ring.js';
import { createStaticDirectory } from '../adapters/crypto/static-directory.js';
import { migrate } from '../adapters/store/migrate.js';
import { createPgClient } from '../adapters/store/pg-client.js';
import { createPgliteClient } from '../adapters/store/pglite-client.js';
import { createSqlConnectorInbox } from '../adapters/store/sql-connector-inbox.js';
import { systemClock, type Clock } from '../core/clock.js';
import { createAgencyConnector } from './create-agency-connector.js';
import type { Connector } from './shared/create-connector.js';

/**
 * A connector as its own process: its own Kafka client, its own store for its inbox, and only public keys of
 * the other agencies. It never touches the hub's database.
 */
export async function startStandaloneConnector(options: {
  agencyId: string;
  kafkaBrokers: string[];
  kafkaNamespace?: string;
  keyRing: KeyRing;
  databaseUrl?: string;
  /** PGlite directory for the inbox when there is no DATABASE_URL; omitted means in memory. */
  dataDir?: string;
  clock?: Clock;
  logger: Logger;
  apiToken?: string;
}): Promise<Connector & { shutdown(): Promise<void> }> {
  const directory = createStaticDirectory(options.keyRing.directory());
  const agency = await directory.find(options.agencyId);
  if (!agency) throw new Error(`Agency ${options.agencyId} is not in the hub's directory.`);
  const sql = options.databaseUrl
    ? createPgClient({ connectionString: options.databaseUrl, max: 3 })
    : await createPgliteClient({ dataDir: options.dataDir && join(options.dataDir, `connector-${agency.id}`) });
  await migrate(sql, 'connector');
  const bus = createKafkaEventBus({ brokers: options.kafkaBrokers, clientId: `careloop-connector-${agency.id}`, logger: options.logger, namespace: options.kafkaNamespace });
  const connector = await createAgencyConnector({
    agency,
    bus,
    directory,
    inbox: createSqlConnectorInbox(sql, agency.id),
    keyRing: options.keyRing,
    clock: options.clock ?? systemClock,
    logger: options.logger,
    apiToken: options.apiToken,
  });
  await connector.start();
  return {
    ...connector,
    async shutdown() {
      await connector.stop();
      await bus.close();
      await sql.close();
    },
  };
}
