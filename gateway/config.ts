import { join } from 'node:path';
import { z } from 'zod';

/** Every environment variable the hub and the connectors read (README "Configuration" mirrors this). */
const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().default('127.0.0.1'),
  DATA_DIR: z.string().default('./data'),
  KEYS_DIR: z.string().optional(),
  DATABASE_URL: z.string().optional(),
  KAFKA_BROKERS: z.string().optional(),
  CONNECTORS: z.enum(['embedded', 'none']).optional(),
  CONNECTOR_AGENCY_ID: z.string().optional(),
  CONNECTOR_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  CONNECTOR_API_TOKEN: z.string().min(16).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/** The names of every variable the hub and connectors read; the compose file and README may use no others. */
export const CONFIG_VARIABLES = Object.keys(envSchema.shape);

export type CareloopConfig = ReturnType<typeof loadConfig>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env) {
  const parsed = envSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`Invalid configuration: ${issue?.path.join('.')}: ${issue?.message}`);
  }
  const e = parsed.data;
  const kafkaBrokers = e.KAFKA_BROKERS ? e.KAFKA_BROKERS.split(',').map((b) => b.trim()).filter(Boolean) : undefined;
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir: e.DATA_DIR,
    keysDir: e.KEYS_DIR ?? join(e.DATA_DIR, 'keys'),
    databaseUrl: e.DATABASE_URL,
    kafkaBrokers,
    // On Kafka the connectors normally run as their own processes; embedded, they live inside the hub.
    embedConnectors: (e.CONNECTORS ?? (kafkaBrokers ? 'none' : 'embedded')) === 'embedded',
    connectorAgencyId: e.CONNECTOR_AGENCY_ID,
    connectorPort: e.CONNECTOR_PORT,
    connectorApiToken: e.CONNECTOR_API_TOKEN,
    logLevel: e.LOG_LEVEL,
  };
}
