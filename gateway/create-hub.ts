import { join } from 'node:path';
import { Hono } from 'hono';
import type { Logger } from 'pino';
import { createTokenVerifier } from '../adapters/crypto/agency-token.js';
import { loadOrCreateKeyRing, type KeyRing } from '../adapters/crypto/key-ring.js';
import { createEmbeddedEventBus } from '../adapters/bus/embedded-event-bus.js';
import { createKafkaEventBus } from '../adapters/bus/kafka-event-bus.js';
import { createLogger } from '../adapters/logging/create-logger.js';
import { createSignedEvent } from '../adapters/messaging/signed-event.js';
import { createOpaWasmPolicyEngine } from '../adapters/policy/opa-wasm-policy-engine.js';
import { migrate } from '../adapters/store/migrate.js';
import { createPgClient } from '../adapters/store/pg-client.js';
import { createPgliteClient } from '../adapters/store/pglite-client.js';
import { createSqlConnectorInbox } from '../adapters/store/sql-connector-inbox.js';
import { createSqlLedgerStore } from '../adapters/store/sql-ledger-store.js';
import type { SqlClient } from '../adapters/store/sql-client.js';
import { createAgencyConnector } from '../connectors/create-agency-connector.js';
import type { Connector } from '../connectors/shared/create-connector.js';
import { systemClock, type Clock } from '../core/clock.js';
import { HUB_AGENCY_ID, SEED_AGENCIES, SEED_SUBJECTS } from '../core/development-seed.js';
import { TOPICS, agencyTopic } from '../core/messages/topics.js';
import type { EventBus, Subscription } from '../core/ports/event-bus.js';
import type { PolicyEngine } from '../core/ports/policy-engine.js';
import { createReferralService } from '../core/referral/referral-service.js';
import { createGateway } from './create-gateway.js';
import { startLedgerProjector } from './ledger-projector.js';
import { createOutboxRelay } from './outbox-relay.js';
import { createReferralEvents } from './referral-events.js';

export interface HubOptions {
  /** PostgreSQL connection string; without it the hub uses PGlite in `dataDir` (or in memory). */
  databaseUrl?: string;
  /** PGlite directory; omitted means an in-memory store (tests). */
  dataDir?: string;
  /** Kafka bootstrap servers; without them the hub uses the embedded bus in its own store. */
  kafkaBrokers?: string[];
  /** Prefix for Kafka topics and groups (lets test runs share a broker). */
  kafkaNamespace?: string;
  /** Where development keys live; omitted means keys only in memory (tests). */
  keysDir?: string;
  keyRing?: KeyRing;
  /** Run a connector for every seeded school, hospital and police bureau inside the hub process. */
  embedConnectors?: boolean;
  connectorApiToken?: string;
  clock?: Clock;
  logger?: Logger;
  policy?: PolicyEngine;
  /** How often the outbox relay looks for work it was not told about. */
  relayIntervalMs?: number;
}

export interface Hub {
  /** The HTTP surface: `/graphql` and, when embedded, `/connectors/<agencyId>/...`. */
  fetch: (request: Request) => Promise<Response> | Response;
  keyRing: KeyRing;
  bus: EventBus;
  sql: SqlClient;
  connectors: Map<string, Connector>;
  stop(): Promise<void>;
}

/** The one place that wires real adapters into the hub. */
export async function createHub(options: HubOptions = {}): Promise<Hub> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createLogger({ name: 'careloop-hub' });
  const sql = options.databaseUrl ? createPgClient({ connectionString: options.databaseUrl }) : await createPgliteClient({ dataDir: options.dataDir && join(options.dataDir, 'pglite') });
  const embeddedBus = !options.kafkaBrokers?.length;
  const embedConnectors = options.embedConnectors ?? embeddedBus;

  await migrate(sql, 'hub');
  if (embeddedBus) await migrate(sql, 'bus');
  if (embedConnectors) await migrate(sql, 'connector');

  const store = createSqlLedgerStore(sql);
  const keyRing = options.keyRing ?? (await loadOrCreateKeyRing({ agencies: SEED_AGENCIES, dir: options.keysDir }));
  for (const agency of keyRing.directory()) await store.upsertAgency(agency);
  for (const subject of SEED_SUBJECTS) await store.upsertSubject(subject);

  const policy = options.policy ?? (await createOpaWasmPolicyEngine());
  const bus = embeddedBus
    ? createEmbeddedEventBus({
        client: sql,
        onHandlerError: (err, m) => logger.warn({ err, topic: m.topic, offset: m.offset }, 'handler failed; redelivering'),
        onStoreError: (err) => logger.error({ err }, 'embedded bus cannot read its log; retrying'),
      })
    : createKafkaEventBus({ brokers: options.kafkaBrokers ?? [], clientId: 'careloop-hub', logger, namespace: options.kafkaNamespace });
  const agencies = await store.agencies.list();
  await bus.ensureTopics([TOPICS.hubInbound, TOPICS.deadLetter, ...agencies.filter((a) => a.type !== 'hub').map((a) => agencyTopic(a.id))]);

  const hubSigner = await keyRing.signer(HUB_AGENCY_ID);
  const referralEvents = createReferralEvents();
  const relay = createOutboxRelay({ outbox: store, bus, logger, intervalMs: options.relayIntervalMs });
  const referrals = createReferralService({
    store,
    policy,
    clock,
    hubEvents: { create: (e) => createSignedEvent({ signer: hubSigner, time: clock.now(), ...e }) },
    notifier: referralEvents.notifier,
    onOutgoing: relay.nudge,
  });
  const gateway = createGateway({ store, policy, clock, verifier: createTokenVerifier({ directory: store.agencies, clock }), referrals, referralEvents, logger });

  const subscriptions: Subscription[] = [await startLedgerProjector({ bus, store, referrals, logger })];
  relay.start();

  const connectors = new Map<string, Connector>();
  if (embedConnectors) {
    for (const agency of agencies.filter((a) => a.type === 'school' || a.type === 'hospital' || a.type === 'public-safety')) {
      const connector = await createAgencyConnector({
        agency,
        bus,
        directory: store.agencies,
        inbox: createSqlConnectorInbox(sql, agency.id),
        keyRing,
        clock,
        logger,
        apiToken: options.connectorApiToken,
      });
      await connector.start();
      connectors.set(agency.id, connector);
    }
  }

  const http = new Hono();
  http.get('/health', (c) => c.json({ status: 'up', store: options.databaseUrl ? 'postgresql' : 'pglite', bus: embeddedBus ? 'embedded' : 'kafka' }));
  http.on(['GET', 'POST'], '/graphql', (c) => gateway.fetch(c.req.raw));
  for (const [agencyId, connector] of connectors) http.route(`/connectors/${agencyId}`, connector.app);

  return {
    fetch: (request) => http.fetch(request),
    keyRing,
    bus,
    sql,
    connectors,
    async stop() {
      for (const connector of connectors.values()) await connector.stop();
      for (const s of subscriptions) await s.close();
      await relay.stop();
      await bus.close();
      await sql.close();
    },
  };
}
