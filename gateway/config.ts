import { join } from 'node:path';
import { z } from 'zod';
import { FhirPushConfigError, parseFhirPushTarget, parseFhirPushTargets } from '../connectors/hospital/fhir/fhir-push.js';
import { DEFAULT_INBOUND_CONCURRENCY } from './hub-inbound.js';

/** Every environment variable the hub and the connectors read (README "Configuration" mirrors this). */
const envSchema = z.object({
  CARELOOP_MODE: z.enum(['development', 'production']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().default('127.0.0.1'),
  DATA_DIR: z.string().default('./data'),
  KEYS_DIR: z.string().optional(),
  AGENCY_DIRECTORY: z.string().optional(),
  DATA_KEYS: z.string().optional(),
  PSEUDONYM_KEYS: z.string().optional(),
  DATABASE_URL: z.string().optional(),
  // The embedded store's buffer cache, resident in the hub's process (README "Configuration").
  PGLITE_SHARED_BUFFERS: z
    .string()
    .regex(/^[1-9]\d{0,5}(kB|MB|GB)$/, 'a size such as 16MB')
    .default('16MB'),
  KAFKA_BROKERS: z.string().optional(),
  KAFKA_USERNAME: z.string().optional(),
  KAFKA_PASSWORD: z.string().optional(),
  // Partitions of the hub's inbound topic one hub process applies at once (README "Configuration").
  HUB_INBOUND_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(DEFAULT_INBOUND_CONCURRENCY),
  CONNECTORS: z.enum(['embedded', 'none']).optional(),
  CONNECTOR_AGENCY_ID: z.string().optional(),
  CONNECTOR_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  TOKEN_MAX_LIFETIME_SECONDS: z.coerce.number().int().min(60).max(86_400).default(3600),
  EVENT_FRESHNESS_SECONDS: z.coerce.number().int().min(60).default(86_400),
  BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).default(100_000),
  CORS_ORIGINS: z.string().optional(),
  BUS_RETENTION_HOURS: z.coerce.number().min(1).default(168),
  INBOX_RETENTION_HOURS: z.coerce.number().min(1).default(168),
  // Three years: PIPL Art. 56 keeps impact-assessment and processing records that long; the Cybersecurity Law
  // (Art. 21) asks for at least six months of logs.
  AUDIT_RETENTION_DAYS: z.coerce.number().min(183).default(1095),
  AUDIT_ARCHIVE_DIR: z.string().optional(),
  // How often the hub signs the audit chain's head (a checkpoint `npm run audit:verify` checks the chain against).
  AUDIT_CHECKPOINT_MINUTES: z.coerce.number().min(0).default(15),
  ACK_DEADLINE_HOURS: z.coerce.number().positive().default(24),
  FIRST_APPOINTMENT_DAYS: z.coerce.number().positive().default(7),
  STALLED_AFTER_DAYS: z.coerce.number().positive().default(14),
  FOLLOW_UP_EVERY_DAYS_IN_TREATMENT: z.coerce.number().positive().default(14),
  FOLLOW_UP_EVERY_DAYS_AFTER_RETURN: z.coerce.number().positive().default(7),
  FOLLOW_UP_WEEKS_AFTER_RETURN: z.coerce.number().positive().default(4),
  // Police signals (README "Signals from public safety"): acknowledgement deadlines by severity, the window in
  // which signals about one child form one episode, how long a signal is kept, how long it flags the child.
  SIGNAL_ACK_HOURS_CRITICAL: z.coerce.number().positive().default(1),
  SIGNAL_ACK_HOURS_HIGH: z.coerce.number().positive().default(24),
  SIGNAL_ACK_HOURS_OTHER: z.coerce.number().positive().default(72),
  SIGNAL_EPISODE_DAYS: z.coerce.number().positive().default(14),
  SIGNAL_FLAG_DAYS: z.coerce.number().positive().default(30),
  SIGNAL_RETENTION_DAYS: z.coerce.number().positive().default(365),
  // Break-glass: how long a declared emergency opens the child's record to the person who declared it.
  EMERGENCY_WINDOW_MINUTES: z.coerce
    .number()
    .positive()
    .max(24 * 60)
    .default(60),
  // A standing suspicion of harm against a guardian is reviewed this often (Minors Protection Law Art. 11).
  GUARDIAN_CONCERN_REVIEW_DAYS: z.coerce.number().positive().max(365).default(30),
  DEADLINE_CHECK_SECONDS: z.coerce.number().int().min(0).default(60),
  // A standalone hospital connector's push to the hospital's FHIR endpoint; the authorization value is a secret.
  FHIR_PUSH_URL: z.string().optional(),
  FHIR_PUSH_AUTHORIZATION: z.string().optional(),
  // The embedded hub's pushes: JSON {"<agencyId>": {"url": "https://…", "authorization": "Bearer …"}}.
  FHIR_PUSH_TARGETS: z.string().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/** The names of every variable the hub and connectors read; the compose file and README may use no others. */
export const CONFIG_VARIABLES = Object.keys(envSchema.shape);

const commaList = (value: string) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

const DAY_MS = 24 * 3600_000;

export type CareloopConfig = ReturnType<typeof loadConfig>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env) {
  const parsed = envSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    // The path names the variable; its value is never repeated (it may be a key).
    throw new Error(`Invalid configuration: ${issue?.path.join('.')}: ${issue?.code}`);
  }
  const e = parsed.data;
  const kafkaBrokers = e.KAFKA_BROKERS ? commaList(e.KAFKA_BROKERS) : undefined;
  if ((e.KAFKA_USERNAME === undefined) !== (e.KAFKA_PASSWORD === undefined))
    throw new Error('Invalid configuration: KAFKA_USERNAME and KAFKA_PASSWORD go together.');
  if (e.FHIR_PUSH_AUTHORIZATION !== undefined && e.FHIR_PUSH_URL === undefined) throw new FhirPushConfigError('FHIR_PUSH_AUTHORIZATION', 'needs FHIR_PUSH_URL');
  const fhirPush =
    e.FHIR_PUSH_URL === undefined
      ? undefined
      : parseFhirPushTarget({ url: e.FHIR_PUSH_URL, authorization: e.FHIR_PUSH_AUTHORIZATION }, (field) =>
          field === 'authorization' ? 'FHIR_PUSH_AUTHORIZATION' : 'FHIR_PUSH_URL',
        );
  return {
    development: e.CARELOOP_MODE === 'development',
    port: e.PORT,
    host: e.HOST,
    dataDir: e.DATA_DIR,
    keysDir: e.KEYS_DIR ?? join(e.DATA_DIR, 'keys'),
    agencyDirectory: e.AGENCY_DIRECTORY,
    dataKeys: e.DATA_KEYS,
    pseudonymKeys: e.PSEUDONYM_KEYS,
    databaseUrl: e.DATABASE_URL,
    pgliteSharedBuffers: e.PGLITE_SHARED_BUFFERS,
    kafkaBrokers,
    kafkaSasl:
      e.KAFKA_USERNAME && e.KAFKA_PASSWORD ? { mechanism: 'scram-sha-256' as const, username: e.KAFKA_USERNAME, password: e.KAFKA_PASSWORD } : undefined,
    inboundConcurrency: e.HUB_INBOUND_CONCURRENCY,
    // On Kafka the connectors normally run as their own processes; embedded, they live inside the hub.
    embedConnectors: (e.CONNECTORS ?? (kafkaBrokers ? 'none' : 'embedded')) === 'embedded',
    connectorAgencyId: e.CONNECTOR_AGENCY_ID,
    connectorPort: e.CONNECTOR_PORT,
    tokenMaxLifetimeSeconds: e.TOKEN_MAX_LIFETIME_SECONDS,
    freshnessWindowMs: e.EVENT_FRESHNESS_SECONDS * 1000,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    corsOrigins: e.CORS_ORIGINS ? commaList(e.CORS_ORIGINS) : [],
    busRetentionMs: e.BUS_RETENTION_HOURS * 3600_000,
    inboxRetentionMs: e.INBOX_RETENTION_HOURS * 3600_000,
    auditRetentionMs: e.AUDIT_RETENTION_DAYS * DAY_MS,
    auditArchiveDir: e.AUDIT_ARCHIVE_DIR ?? join(e.DATA_DIR, 'audit-archive'),
    auditCheckpointIntervalMs: e.AUDIT_CHECKPOINT_MINUTES * 60_000,
    deadlines: {
      acknowledgementMs: e.ACK_DEADLINE_HOURS * 3600_000,
      firstAppointmentMs: e.FIRST_APPOINTMENT_DAYS * DAY_MS,
      stalledMs: e.STALLED_AFTER_DAYS * DAY_MS,
      followUpDuringTreatmentMs: e.FOLLOW_UP_EVERY_DAYS_IN_TREATMENT * DAY_MS,
      followUpAfterReturnMs: e.FOLLOW_UP_EVERY_DAYS_AFTER_RETURN * DAY_MS,
      followUpAfterReturnForMs: e.FOLLOW_UP_WEEKS_AFTER_RETURN * 7 * DAY_MS,
    },
    deadlineCheckIntervalMs: e.DEADLINE_CHECK_SECONDS * 1000,
    emergencyWindowMs: e.EMERGENCY_WINDOW_MINUTES * 60_000,
    guardianConcernReviewMs: e.GUARDIAN_CONCERN_REVIEW_DAYS * DAY_MS,
    signalPolicy: {
      acknowledgeWithinMs: {
        CRITICAL: e.SIGNAL_ACK_HOURS_CRITICAL * 3600_000,
        HIGH: e.SIGNAL_ACK_HOURS_HIGH * 3600_000,
        MEDIUM: e.SIGNAL_ACK_HOURS_OTHER * 3600_000,
        LOW: e.SIGNAL_ACK_HOURS_OTHER * 3600_000,
      },
      episodeWindowMs: e.SIGNAL_EPISODE_DAYS * DAY_MS,
      flagForMs: e.SIGNAL_FLAG_DAYS * DAY_MS,
      retentionMs: e.SIGNAL_RETENTION_DAYS * DAY_MS,
    },
    /** A standalone connector's push target (FHIR_PUSH_URL, FHIR_PUSH_AUTHORIZATION). */
    fhirPush,
    /** The embedded hub's push targets by agency id (FHIR_PUSH_TARGETS). */
    fhirPushTargets: e.FHIR_PUSH_TARGETS === undefined ? {} : parseFhirPushTargets(e.FHIR_PUSH_TARGETS, 'FHIR_PUSH_TARGETS'),
    logLevel: e.LOG_LEVEL,
  };
}
