import { join } from 'node:path';
import type { Logger } from 'pino';
import { createKafkaEventBus, type KafkaEventBusOptions } from '../adapters/bus/kafka-event-bus.js';
import type { DataCipher } from '../adapters/crypto/data-cipher.js';
import type { KeyRing } from '../adapters/crypto/key-ring.js';
import { createStaticDirectory } from '../adapters/crypto/static-directory.js';
import { migrate } from '../adapters/store/migrate.js';
import { createPgClient } from '../adapters/store/pg-client.js';
import { createPgliteClient } from '../adapters/store/pglite-client.js';
import { createSqlConnectorInbox } from '../adapters/store/sql-connector-inbox.js';
import { createSqlFhirTaskStore } from '../adapters/store/sql-fhir-task-store.js';
import { createSqlRefusedEvents } from '../adapters/store/sql-refused-events.js';
import { systemClock, type Clock } from '../core/clock.js';
import type { AgencyRecord } from '../core/ports/keys.js';
import { createAgencyConnector } from './create-agency-connector.js';
import type { FhirPushSettings, FhirPushTarget } from './hospital/fhir/fhir-push.js';
import { loadOrCreateConnectorApiKey } from './shared/connector-api-keys.js';
import type { Connector } from './shared/create-connector.js';

/**
 * A connector as its own process: its own Kafka client, its own store for its inbox, its own agency's private
 * key and only public keys of the others. It never touches the hub's database.
 */
export async function startStandaloneConnector(options: {
  agencyId: string;
  kafkaBrokers: string[];
  kafkaNamespace?: string;
  kafkaSasl?: KafkaEventBusOptions['sasl'];
  keyRing: KeyRing;
  /** The registered agencies; defaults to the key ring's directory. */
  agencies?: AgencyRecord[];
  cipher: DataCipher;
  databaseUrl?: string;
  /** PGlite directory for the inbox when there is no DATABASE_URL; omitted means in memory. */
  dataDir?: string;
  /** Where the API key hash lives; omitted means in memory. */
  connectorKeysDir?: string;
  onConnectorKeyCreated?: (agencyId: string, key: string) => void;
  tokenMaxLifetimeSeconds?: number;
  freshnessWindowMs?: number;
  bodyLimitBytes?: number;
  /** A hospital or counselling centre connector: the hospital's FHIR endpoint to push Tasks to. */
  fhirPush?: FhirPushTarget;
  fhirPushSettings?: FhirPushSettings;
  clock?: Clock;
  logger: Logger;
}): Promise<Connector & { shutdown(): Promise<void> }> {
  const directory = createStaticDirectory(options.agencies ?? options.keyRing.directory());
  const agency = await directory.find(options.agencyId);
  if (!agency) throw new Error(`Agency ${options.agencyId} is not in the hub's directory.`);
  const sql = options.databaseUrl
    ? createPgClient({ connectionString: options.databaseUrl, max: 3 })
    : await createPgliteClient({ dataDir: options.dataDir && join(options.dataDir, `connector-${agency.id}`) });
  await migrate(sql, 'connector');
  await migrate(sql, 'events');
  const bus = createKafkaEventBus({
    brokers: options.kafkaBrokers,
    clientId: `careloop-connector-${agency.id}`,
    logger: options.logger,
    namespace: options.kafkaNamespace,
    sasl: options.kafkaSasl,
  });
  const connector = await createAgencyConnector({
    agency,
    bus,
    directory,
    inbox: createSqlConnectorInbox(sql, agency.id, options.cipher),
    fhirTasks: (agencyId) => createSqlFhirTaskStore(sql, agencyId, options.cipher),
    refusals: createSqlRefusedEvents(sql),
    keyRing: options.keyRing,
    clock: options.clock ?? systemClock,
    logger: options.logger,
    apiKeys: await loadOrCreateConnectorApiKey({
      agencyId: agency.id,
      dir: options.connectorKeysDir,
      onCreated: options.onConnectorKeyCreated ?? (() => undefined),
    }),
    tokenMaxLifetimeSeconds: options.tokenMaxLifetimeSeconds,
    freshnessWindowMs: options.freshnessWindowMs,
    bodyLimitBytes: options.bodyLimitBytes,
    fhirPush: options.fhirPush,
    fhirPushSettings: options.fhirPushSettings,
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
