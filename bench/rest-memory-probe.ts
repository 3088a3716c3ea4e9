import { join } from 'node:path';
import { createLogger } from '../adapters/logging/create-logger.js';
import { createHub } from '../gateway/create-hub.js';
import { settledMemory, sleep } from './memory.js';

/**
 * One hub as `npm start` runs it on embedded defaults (a PGlite store in the data directory REST_MEMORY_DATA_DIR,
 * created on first start and reopened on the next, the embedded bus, every seeded agency's connector embedded), or
 * with DATABASE_URL set (REST_MEMORY_DATABASE_URL: the store on a PostgreSQL server, the bus still embedded in it),
 * started in this process and left idle; prints its memory after forced collections as one JSON line.
 * bench/rest-memory.bench.ts runs it from the sources (tsx) and from an esbuild bundle, side by side.
 */
const dataDir = process.env.REST_MEMORY_DATA_DIR;
const databaseUrl = process.env.REST_MEMORY_DATABASE_URL;
if (!dataDir && !databaseUrl) throw new Error('REST_MEMORY_DATA_DIR or REST_MEMORY_DATABASE_URL is required');
const loaded = await settledMemory();
const hub = await createHub({
  ...(databaseUrl ? { databaseUrl } : { dataDir: join(dataDir!, 'pglite') }),
  embedConnectors: true,
  logger: createLogger({ name: 'rest-memory', level: 'silent' }),
});
await sleep(Number(process.env.REST_MEMORY_IDLE_MS ?? 5000));
const atRest = await settledMemory();
await hub.stop();
console.log(JSON.stringify({ loaded, atRest }));
