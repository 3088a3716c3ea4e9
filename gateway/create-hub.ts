import { join } from 'node:path';
import { Hono } from 'hono';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import { createEmbeddedEventBus, type EmbeddedEventBus } from '../adapters/bus/embedded-event-bus.js';
import { createKafkaEventBus, type KafkaEventBusOptions } from '../adapters/bus/kafka-event-bus.js';
import { createTokenVerifier } from '../adapters/crypto/agency-token.js';
import { limitStreamedBody } from '../adapters/http/limit-streamed-body.js';
import { createEphemeralDataCipher, loadOrCreateDevelopmentDataKeys, type DataCipher } from '../adapters/crypto/data-cipher.js';
import { loadOrCreateKeyRing, type KeyRing } from '../adapters/crypto/key-ring.js';
import { createLogger } from '../adapters/logging/create-logger.js';
import { registerWorkCounters } from '../adapters/metrics/work-counters.js';
import { createSignedEvent } from '../adapters/messaging/signed-event.js';
import { DEFAULT_FRESHNESS_WINDOW_MS } from '../adapters/messaging/verified-handler.js';
import { createOpaWasmPolicyEngine } from '../adapters/policy/opa-wasm-policy-engine.js';
import { migrate, type MigrationSet } from '../adapters/store/migrate.js';
import { createPgClient } from '../adapters/store/pg-client.js';
import { createPgliteClient } from '../adapters/store/pglite-client.js';
import { createSqlConnectorInbox } from '../adapters/store/sql-connector-inbox.js';
import { createSqlFhirTaskStore } from '../adapters/store/sql-fhir-task-store.js';
import { createSqlAuditLog } from '../adapters/store/sql-audit-log.js';
import { archiveAuditBefore } from '../adapters/store/sql-audit-archive.js';
import { checkpointAuditChain } from '../adapters/store/sql-audit-chain.js';
import { createSqlChangeFeed } from '../adapters/store/sql-change-feed.js';
import { createSqlDirectoryStore } from '../adapters/store/sql-directory-store.js';
import { cachedDirectoryStore } from '../adapters/store/cached-directory-store.js';
import { createSqlCounsellingSlotStore } from '../adapters/store/sql-counselling-slot-store.js';
import { createSqlReferralStore } from '../adapters/store/sql-referral-store.js';
import { createSqlWarningStore } from '../adapters/store/sql-warning-store.js';
import { createSqlScreeningStore } from '../adapters/store/sql-screening-store.js';
import { createSqlCareStore } from '../adapters/store/sql-care-store.js';
import { createSqlEnrolmentStore } from '../adapters/store/sql-enrolment-store.js';
import { createSqlSignalStore } from '../adapters/store/sql-signal-store.js';
import { createEphemeralPseudonymiser, loadOrCreateDevelopmentPseudonymKeys } from '../adapters/crypto/identity-pseudonymiser.js';
import type { IdentityPseudonymiser } from '../core/ports/identity-linkage.js';
import type { SignalPolicy } from '../core/signal/signal.js';
import type { SignalService } from '../core/signal/signal-service.js';
import { createSignalModule } from './signal/signal-module.js';
import { createEnrolmentModule } from './enrolment/enrolment-module.js';
import { createConsentModule } from './consent/consent-module.js';
import { createEmergencyModule } from './consent/emergency-module.js';
import { createSqlConsentStore } from '../adapters/store/sql-consent-store.js';
import { withPolicyContext } from '../core/access/policy-context.js';
import { createSqlUnitOfWork } from '../adapters/store/sql-unit-of-work.js';
import { createSqlRefusedEvents } from '../adapters/store/sql-refused-events.js';
import type { SqlClient } from '../adapters/store/sql-client.js';
import { createAgencyConnector } from '../connectors/create-agency-connector.js';
import { FhirPushConfigError, type FhirPushSettings, type FhirPushTarget } from '../connectors/hospital/fhir/fhir-push.js';
import { loadOrCreateConnectorApiKey } from '../connectors/shared/connector-api-keys.js';
import type { Connector } from '../connectors/shared/create-connector.js';
import type { ConnectorInbox } from '../connectors/shared/connector-inbox.js';
import { systemClock, type Clock } from '../core/clock.js';
import { HUB_AGENCY_ID, SEED_AGENCIES, SEED_SUBJECTS } from '../core/development-seed.js';
import { TOPICS, agencyTopic } from '../core/messages/topics.js';
import type { EventBus, Subscription } from '../core/ports/event-bus.js';
import type { AgencyRecord } from '../core/ports/keys.js';
import type { PolicyEngine } from '../core/ports/policy-engine.js';
import type { DeadlinePolicy } from '../core/referral/referral-deadlines.js';
import type { ReferralService } from '../core/referral/referral-service.js';
import { createGateway } from './create-gateway.js';
import { startHubInbound, type InboundHandlers } from './hub-inbound.js';
import type { CarePolicy } from '../core/warning/care-task.js';
import type { CareService } from '../core/warning/care-service.js';
import { createOutboxRelay } from './outbox-relay.js';
import { createWarningModule } from './warning/warning-module.js';
import type { OperationLimits } from './plugins/use-operation-limits.js';
import { createReferralModule } from './referral/referral-module.js';
import { createSubjectModule } from './subject/subject-module.js';

export interface HubOptions {
  /** PostgreSQL connection string; without it the hub uses PGlite in `dataDir` (or in memory). */
  databaseUrl?: string;
  /** PGlite directory; omitted means an in-memory store (tests). */
  dataDir?: string;
  /** PGlite's `shared_buffers` (default 16MB). */
  pgliteSharedBuffers?: string;
  /** Kafka bootstrap servers; without them the hub uses the embedded bus in its own store. */
  kafkaBrokers?: string[];
  /** Prefix for Kafka topics and groups (lets test runs share a broker). */
  kafkaNamespace?: string;
  kafkaSasl?: KafkaEventBusOptions['sasl'];
  /**
   * On Kafka, how many partitions of the hub's inbound topic this process applies at once (default
   * `DEFAULT_INBOUND_CONCURRENCY`, 3). Each event still runs in its own transaction, as when several replicas share
   * the topic. A bureau's batch events are unkeyed, so its export spreads evenly over the partitions.
   */
  inboundConcurrency?: number;
  /** Where development keys live; omitted means keys only in memory (tests). */
  keysDir?: string;
  keyRing?: KeyRing;
  /** The registered agencies; defaults to the key ring's directory (development). */
  agencies?: AgencyRecord[];
  /** Seals sensitive text at rest; defaults to development keys in `keysDir`, or a key in memory. */
  cipher?: DataCipher;
  /** Turns resident identity numbers into pseudonyms; defaults to development keys in `keysDir`, or a key in memory. */
  pseudonymiser?: IdentityPseudonymiser;
  /** Development: GraphiQL and introspection on, invented students seeded. Default true; production passes false. */
  development?: boolean;
  seed?: boolean;
  /** Run a connector for every school, hospital and police bureau inside the hub process. */
  embedConnectors?: boolean;
  /** Where embedded connectors keep their API key hashes; omitted means keys in memory only. */
  connectorKeysDir?: string;
  /** Receives each connector API key the moment it is created; the start script prints it once. */
  onConnectorKeyCreated?: (agencyId: string, key: string) => void;
  connectorThrottle?: { failures: number; windowSeconds: number; blockSeconds: number };
  /** Embedded hospital and counselling centre connectors: the hospital's FHIR endpoint to push Tasks to, by agency id. */
  fhirPush?: Record<string, FhirPushTarget>;
  fhirPushSettings?: FhirPushSettings;
  clock?: Clock;
  logger?: Logger;
  policy?: PolicyEngine;
  /** How often the outbox relay looks for work it was not told about. */
  relayIntervalMs?: number;
  tokenMaxLifetimeSeconds?: number;
  freshnessWindowMs?: number;
  bodyLimitBytes?: number;
  /** Largest file an embedded connector's import takes (default 32 MiB). */
  importLimitBytes?: number;
  corsOrigins?: string[];
  limits?: Partial<OperationLimits>;
  busRetentionMs?: number;
  inboxRetentionMs?: number;
  /** Audit entries older than this are archived to `auditArchiveDir`, then removed from the live table. */
  auditRetentionMs?: number;
  /** Where archived audit goes; without it, audit is kept in the table indefinitely (never dropped unarchived). */
  auditArchiveDir?: string;
  /** How often the hub signs the audit chain's head; 0 disables the timer (tests call `checkpointAudit`). Default 15 min. */
  auditCheckpointIntervalMs?: number;
  /** How often retention runs; 0 disables the timer (tests call `purgeExpired`). */
  retentionIntervalMs?: number;
  /** The referral loop's deadlines (defaults: README "Deadlines"). */
  deadlines?: Partial<DeadlinePolicy>;
  /** The warning register's cadences (defaults: README "Care tasks and cadences"). */
  carePolicy?: Partial<CarePolicy>;
  /** How long a declared emergency (break-glass) opens the record to its declarer (default 60 minutes). */
  emergencyWindowMs?: number;
  /** How often a standing suspicion of harm against a guardian is due for review (default 30 days). */
  guardianConcernReviewMs?: number;
  /** Police signals: acknowledgement deadlines, episode window, flag and retention (defaults: README "Signals from public safety"). */
  signalPolicy?: Partial<SignalPolicy>;
  /** How often the deadline and care-task watches run; 0 disables the timers (tests call them on simulated time). */
  deadlineCheckIntervalMs?: number;
}

export interface Hub {
  /** The HTTP surface: `/graphql` and, when embedded, `/connectors/<agencyId>/...`. */
  fetch: (request: Request, env?: unknown) => Promise<Response> | Response;
  keyRing: KeyRing;
  bus: EventBus;
  sql: SqlClient;
  connectors: Map<string, Connector>;
  metrics: Registry;
  /** The referral use cases (for tests and the deadline watch on simulated time). */
  referrals: ReferralService;
  /** The warning register's care tasks (for tests and the overdue watch on simulated time). */
  care: CareService;
  /** Police signals (for tests and the deadline watch on simulated time). */
  signals: SignalService;
  /** Signs the audit chain's head now (the timer does it every `auditCheckpointIntervalMs`). */
  checkpointAudit(): Promise<void>;
  /** Runs retention once: the bus log, acknowledged inbox items, remembered event ids. */
  purgeExpired(): Promise<{ busMessages: number; inboxItems: number; eventIds: number; auditArchived: number; signals: number }>;
  stop(): Promise<void>;
}

/** How long the embedded bus log and acknowledged inbox items are kept unless configured (config.ts: 168 h). */
const DEFAULT_RETENTION_MS = 7 * 24 * 3600_000;
/** How long the disclosure audit stays in the live table unless configured (config.ts: 1095 days). */
const DEFAULT_AUDIT_RETENTION_MS = 1095 * 24 * 3600_000;

/** The one place that wires real adapters into the hub. */
export async function createHub(options: HubOptions = {}): Promise<Hub> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createLogger({ name: 'careloop-hub' });
  const development = options.development ?? true;
  const embeddedBus = !options.kafkaBrokers?.length;
  const embedConnectors = options.embedConnectors ?? embeddedBus;
  const freshnessWindowMs = options.freshnessWindowMs ?? DEFAULT_FRESHNESS_WINDOW_MS;
  const migrations: MigrationSet[] = [
    'hub',
    'referral',
    'warning',
    'signal',
    'events',
    ...(embeddedBus ? ['bus' as const] : []),
    ...(embedConnectors ? ['connector' as const] : []),
  ];
  const migrateAll = async (client: SqlClient) => {
    for (const set of migrations) await migrate(client, set);
  };
  const sql = options.databaseUrl
    ? createPgClient({ connectionString: options.databaseUrl, logger })
    : await createPgliteClient({
        dataDir: options.dataDir && join(options.dataDir, 'pglite'),
        ...(options.pgliteSharedBuffers ? { sharedBuffers: options.pgliteSharedBuffers } : {}),
        prepare: migrateAll,
      });
  // On a store just created the migrations ran where it was made; here they find nothing left to do.
  await migrateAll(sql);

  const cipher = options.cipher ?? (options.keysDir ? await loadOrCreateDevelopmentDataKeys(options.keysDir) : createEphemeralDataCipher());
  const uow = createSqlUnitOfWork(sql, cipher);
  const directory = cachedDirectoryStore(createSqlDirectoryStore(sql), { clock: systemClock });
  const audit = createSqlAuditLog(sql);
  const referralStore = createSqlReferralStore(sql, cipher);
  const refusals = createSqlRefusedEvents(sql);
  const keyRing = options.keyRing ?? (await loadOrCreateKeyRing({ agencies: SEED_AGENCIES, dir: options.keysDir }));
  for (const agency of options.agencies ?? keyRing.directory()) await directory.upsertAgency(agency);
  if (options.seed ?? development) for (const subject of SEED_SUBJECTS) await directory.upsertSubject(subject);

  const consents = createSqlConsentStore(sql, cipher);
  // Every decision about a child sees the guardians' consents that hold now and what the caller is to the child.
  const policy = withPolicyContext(options.policy ?? (await createOpaWasmPolicyEngine()), consents, clock);
  let embedded: EmbeddedEventBus | null = null;
  const bus: EventBus = embeddedBus
    ? (embedded = createEmbeddedEventBus({
        client: sql,
        cipher,
        now: () => clock.now(),
        onHandlerError: (err, m) => logger.warn({ err, topic: m.topic, offset: m.offset }, 'handler failed; redelivering'),
        onStoreError: (err) => logger.error({ err }, 'embedded bus cannot read its log; retrying'),
      }))
    : createKafkaEventBus({
        brokers: options.kafkaBrokers ?? [],
        clientId: 'careloop-hub',
        logger,
        namespace: options.kafkaNamespace,
        sasl: options.kafkaSasl,
      });
  const agencies = await directory.agencies.list();
  await bus.ensureTopics([TOPICS.hubInbound, TOPICS.deadLetter, ...agencies.filter((a) => a.type !== 'hub').map((a) => agencyTopic(a.id))]);

  const hubSigner = await keyRing.signer(HUB_AGENCY_ID);
  const relay = createOutboxRelay({
    outbox: uow,
    bus,
    sign: (draft) => createSignedEvent({ signer: hubSigner, ...draft }),
    logger,
    intervalMs: options.relayIntervalMs,
  });
  const metrics = new Registry();
  registerWorkCounters(metrics);
  const referral = createReferralModule({
    uow,
    store: referralStore,
    slots: createSqlCounsellingSlotStore(sql),
    directory,
    audit,
    policy,
    clock,
    changes: createSqlChangeFeed(sql),
    bus,
    metrics,
    logger,
    deadlines: options.deadlines,
    deadlineCheckEveryMs: options.deadlineCheckIntervalMs,
    onOutgoing: relay.nudge,
    // Built below; asked only once requests flow.
    guardianChildren: (principal, correlationId) => consent.service.myChildren(principal, correlationId),
  });
  // What every capability is built on: one unit of work, the directory, the audit, the policy, the clock, the relay.
  const shared = { uow, directory, audit, policy, clock, onOutgoing: relay.nudge };
  // How a child is known without a national id: numbers arrive sealed to the hub and leave as keyed digests.
  const linkage = {
    opener: await keyRing.opener(HUB_AGENCY_ID),
    pseudonymiser: options.pseudonymiser ?? (options.keysDir ? await loadOrCreateDevelopmentPseudonymKeys(options.keysDir) : createEphemeralPseudonymiser()),
  };
  // One line per capability: its schema module, resolvers, request context and consumers.
  const signals = createSqlSignalStore(sql, cipher);
  const enrolments = createSqlEnrolmentStore(sql);
  const signal = createSignalModule({
    ...shared,
    ...linkage,
    store: signals,
    enrolments,
    logger,
    signalPolicy: options.signalPolicy,
    checkEveryMs: options.deadlineCheckIntervalMs,
  });
  const warning = createWarningModule({
    ...shared,
    store: createSqlWarningStore(sql, cipher),
    screenings: createSqlScreeningStore(sql, cipher),
    care: createSqlCareStore(sql, cipher),
    carePolicy: options.carePolicy,
    careCheckEveryMs: options.deadlineCheckIntervalMs,
    // A police signal routed to the school flags the child for their carers like a listed entry does (R22).
    alsoFlagged: (school, ids) => signals.flaggedAmong(school, ids, new Date(clock.now().getTime() - signal.service.policy.flagForMs)),
    logger,
  });
  const enrolment = createEnrolmentModule({
    ...shared,
    ...linkage,
    store: enrolments,
    afterEnrolment: (tx, children) => signal.service.matchWaiting(tx, children),
  });
  const consent = createConsentModule({
    ...shared,
    store: consents,
    ...(options.guardianConcernReviewMs ? { concernReviewEveryMs: options.guardianConcernReviewMs } : {}),
  });
  const emergency = createEmergencyModule({ ...shared, store: consents, trail: audit, windowMs: options.emergencyWindowMs });
  const modules = [referral, warning, signal, enrolment, consent, emergency, createSubjectModule({ directory, audit, trail: audit, policy, clock })];
  const gateway = createGateway({
    modules,
    directory: directory.agencies,
    audit,
    clock,
    verifier: createTokenVerifier({ directory: directory.agencies, clock, maxLifetimeSeconds: options.tokenMaxLifetimeSeconds }),
    logger,
    development,
    corsOrigins: options.corsOrigins,
    limits: options.limits,
  });

  const subscriptions: Subscription[] = [];
  for (const module of modules) subscriptions.push(...((await module.start?.()) ?? []));
  subscriptions.push(
    await startHubInbound({
      bus,
      directory: directory.agencies,
      refusals,
      clock,
      freshnessWindowMs,
      logger,
      concurrency: options.inboundConcurrency,
      handlers: Object.assign({}, ...modules.map((m) => m.inbound ?? {})) as InboundHandlers,
    }),
  );
  relay.start();

  const bodyLimitBytes = options.bodyLimitBytes ?? 100_000;
  const connectors = new Map<string, Connector>();
  const inboxes: ConnectorInbox[] = [];
  if (embedConnectors) {
    // A target for an agency that is not registered would silently never be used.
    for (const agencyId of Object.keys(options.fhirPush ?? {}))
      if (!agencies.some((a) => a.id === agencyId)) throw new FhirPushConfigError(`fhirPush.${agencyId}`, 'no such agency is registered');
    for (const agency of agencies.filter((a) => a.type !== 'hub' && a.type !== 'education-bureau')) {
      const inbox = createSqlConnectorInbox(sql, agency.id, cipher);
      inboxes.push(inbox);
      const connector = await createAgencyConnector({
        agency,
        bus,
        directory: directory.agencies,
        inbox,
        refusals,
        keyRing,
        fhirTasks: (agencyId) => createSqlFhirTaskStore(sql, agencyId, cipher),
        clock,
        logger,
        apiKeys: await loadOrCreateConnectorApiKey({
          agencyId: agency.id,
          dir: options.connectorKeysDir,
          onCreated: options.onConnectorKeyCreated ?? (() => undefined),
        }),
        tokenMaxLifetimeSeconds: options.tokenMaxLifetimeSeconds,
        freshnessWindowMs,
        throttle: options.connectorThrottle,
        bodyLimitBytes,
        importLimitBytes: options.importLimitBytes,
        fhirPush: options.fhirPush?.[agency.id],
        fhirPushSettings: options.fhirPushSettings,
      });
      await connector.start();
      connectors.set(agency.id, connector);
    }
  }

  async function purgeExpired() {
    const now = clock.now().getTime();
    const busMessages = embedded ? await embedded.purgeBefore(new Date(now - (options.busRetentionMs ?? DEFAULT_RETENTION_MS))) : 0;
    let inboxItems = 0;
    for (const inbox of inboxes) inboxItems += await inbox.purgeAcknowledgedBefore(new Date(now - (options.inboxRetentionMs ?? DEFAULT_RETENTION_MS)));
    // Past two freshness windows an event is refused as stale anyway, so its id need not be remembered.
    const eventIds = await refusals.purgeBefore(new Date(now - 2 * freshnessWindowMs));
    await uow.purgeProcessedEventsBefore(new Date(now - 2 * freshnessWindowMs));
    const auditArchived = options.auditArchiveDir
      ? (await archiveAuditBefore(sql, { before: new Date(now - (options.auditRetentionMs ?? DEFAULT_AUDIT_RETENTION_MS)), dir: options.auditArchiveDir }))
          .archived
      : 0;
    const signalsPurged = await signal.service.purgeExpired();
    return { busMessages, inboxItems, eventIds, auditArchived, signals: signalsPurged };
  }
  const checkpointAudit = async () => void (await checkpointAuditChain(sql, hubSigner, clock.now()));
  const checkpointEvery = options.auditCheckpointIntervalMs ?? 15 * 60_000;
  const checkpointTimer =
    checkpointEvery > 0
      ? setInterval(() => void checkpointAudit().catch((err: unknown) => logger.error({ err }, 'audit checkpoint failed')), checkpointEvery).unref()
      : null;
  const retentionEvery = options.retentionIntervalMs ?? 3600_000;
  const retentionTimer =
    retentionEvery > 0
      ? setInterval(() => void purgeExpired().catch((err: unknown) => logger.error({ err }, 'retention failed')), retentionEvery).unref()
      : null;

  const http = new Hono();
  http.get('/health', (c) => c.json({ status: 'up', store: options.databaseUrl ? 'postgresql' : 'pglite', bus: embeddedBus ? 'embedded' : 'kafka' }));
  // Counted as yoga reads it, after the token is checked (useAgencyAuth): hono's bodyLimit reads a body that declares
  // no length before the handler runs, so a caller without a token could make the door hold up to the limit, or wait
  // for a body that never ends.
  http.use('/graphql', limitStreamedBody(bodyLimitBytes));
  http.on(['GET', 'POST', 'OPTIONS'], '/graphql', (c) => gateway.fetch(c.req.raw));
  for (const [agencyId, connector] of connectors) http.route(`/connectors/${agencyId}`, connector.app);

  return {
    fetch: (request, env) => http.fetch(request, env),
    keyRing,
    bus,
    sql,
    connectors,
    metrics,
    referrals: referral.service,
    care: warning.care,
    signals: signal.service,
    checkpointAudit,
    purgeExpired,
    async stop() {
      if (retentionTimer) clearInterval(retentionTimer);
      if (checkpointTimer) clearInterval(checkpointTimer);
      for (const connector of connectors.values()) await connector.stop();
      for (const s of subscriptions) await s.close();
      await relay.stop();
      await bus.close();
      await sql.close();
    },
  };
}
