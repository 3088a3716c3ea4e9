import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { workCounters } from '../metrics/work-counters.js';
import type { SqlClient } from './sql-client.js';

export const DEFAULT_SHARED_BUFFERS = '16MB';

/**
 * The embedded store: PostgreSQL compiled to WebAssembly, persisted in a directory (or in memory when `dataDir`
 * is omitted). One connection, so transactions are serialised; enough for one machine.
 */
export async function createPgliteClient(options: { dataDir?: string; sharedBuffers?: string } = {}): Promise<SqlClient> {
  if (options.dataDir) await mkdir(options.dataDir, { recursive: true });
  // PostgreSQL's default 128 MB of shared buffers is resident in this process for good (initdb of a fresh store
  // touches them all): 16 MB took a first start from ~970 to ~470 MB RSS, a restart from ~470 to ~390 MB. The pages
  // behind them stay in the operating system's cache (or in memory, for an in-memory store), so a miss costs a copy.
  const settings = { postgresqlconf: [`shared_buffers=${options.sharedBuffers ?? DEFAULT_SHARED_BUFFERS}`] };
  if (options.dataDir && !existsSync(join(options.dataDir, 'PG_VERSION'))) await createStoreApart(options.dataDir, settings);
  const db = options.dataDir ? await PGlite.create(options.dataDir, settings) : await PGlite.create(settings);
  const wrap = (runner: PGlite | Transaction): SqlClient => ({
    async query(sql, params) {
      workCounters.sqlStatements.inc();
      const result = await runner.query(sql, params);
      return result.rows as never;
    },
    async exec(sql) {
      await runner.exec(sql);
    },
    transaction(work) {
      // PGlite has no nested transactions; inside one, further work simply joins it.
      if (runner !== db) return work(wrap(runner));
      return db.transaction((tx) => work(wrap(tx)));
    },
    async listen(channel, handlers) {
      // One process, one in-memory engine: the connection cannot be lost, so there is nothing to resume.
      const unlisten = await db.listen(channel, (payload) => handlers.onNotify(payload));
      return { close: () => unlisten() };
    },
    async close() {
      if (runner === db) await db.close();
    },
  });
  return wrap(db);
}

/**
 * Creates a new store in `dataDir` (PostgreSQL's initdb) in a short-lived child process, so that this process opens
 * it as it would on a restart. WebAssembly memory only grows, and a worker thread's is not handed back to the
 * operating system when it ends: initdb in this process left a first start ~150 MB larger at rest than every restart
 * after it, for the life of the process.
 */
async function createStoreApart(dataDir: string, settings: { postgresqlconf: string[] }): Promise<void> {
  const code = `const [pglite, dir, settings] = JSON.parse(process.argv[1]);
    const { PGlite } = await import(pglite);
    const db = await PGlite.create(dir, settings);
    await db.close();`;
  const args = JSON.stringify([import.meta.resolve('@electric-sql/pglite'), dataDir, settings]);
  try {
    await promisify(execFile)(process.execPath, ['--input-type=module', '-e', code, args], { timeout: 120_000 });
  } catch (error) {
    throw new Error('Creating the embedded store failed.', { cause: error });
  }
}
