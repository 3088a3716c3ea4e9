import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { workCounters } from '../metrics/work-counters.js';
import { createEventLoopTurn } from './event-loop-turn.js';
import { createPgliteStatements } from './pglite-statements.js';
import type { SqlClient } from './sql-client.js';

export const DEFAULT_SHARED_BUFFERS = '16MB';

/**
 * How long PGlite may hold this thread, statement after statement, before the event loop is let turn (see
 * `createEventLoopTurn`). 4 ms took `/health` under 16 listing clients from 119 ms p50 / 240 ms p99 to 9 / 31;
 * an unqueued statement never waits.
 */
const MAX_BUSY_MS = 4;

/** Statements that change the schema: run as PGlite runs them, and every prepared statement forgotten after. */
const SCHEMA_CHANGE = /^\s*(CREATE|ALTER|DROP|COMMENT|GRANT|REVOKE)\b/i;

/**
 * The embedded store: PostgreSQL compiled to WebAssembly, persisted in a directory (or in memory when `dataDir`
 * is omitted). One connection, so transactions are serialised; enough for one machine.
 */
export async function createPgliteClient(
  options: {
    dataDir?: string;
    sharedBuffers?: string;
    /** Run once on a store this call creates, before it is opened here (the migrations): see `createStoreApart`. */
    prepare?: (client: SqlClient) => Promise<void>;
    /** How long creating a new store may take before its process is stopped (default 120 s). */
    createTimeoutMs?: number;
  } = {},
): Promise<SqlClient> {
  if (options.dataDir) await mkdir(options.dataDir, { recursive: true });
  // PostgreSQL's default 128 MB of shared buffers is resident in this process for good (initdb of a fresh store
  // touches them all): 16 MB took a first start from ~970 to ~470 MB RSS, a restart from ~470 to ~390 MB. The pages
  // behind them stay in the operating system's cache (or in memory, for an in-memory store), so a miss costs a copy.
  const settings = { postgresqlconf: [`shared_buffers=${options.sharedBuffers ?? DEFAULT_SHARED_BUFFERS}`] };
  if (options.dataDir && !existsSync(join(options.dataDir, 'PG_VERSION')))
    await createStoreApart(options.dataDir, settings, options.prepare, options.createTimeoutMs ?? 120_000);
  const db = options.dataDir ? await PGlite.create(options.dataDir, settings) : await PGlite.create(settings);
  const statements = createPgliteStatements(db);
  const turn = createEventLoopTurn(MAX_BUSY_MS);
  // Inside the lock: a queue of statements is handed the lock through promises, so a yield before taking it
  // would let the whole queue pass it at once and then run end to end.
  const run = async (sql: string, params: unknown[]) => {
    await turn.maybeYield();
    return statements.run(sql, params);
  };
  const wrap = (runner: PGlite | Transaction): SqlClient => ({
    async query(sql, params) {
      workCounters.sqlStatements.inc();
      if (SCHEMA_CHANGE.test(sql)) {
        const result = await runner.query(sql, params);
        statements.forgetAll();
        return result.rows as never;
      }
      // Inside a transaction its lock is already held, as PGlite's own `Transaction.query` assumes.
      if (runner !== db) return db._runExclusiveQuery(() => run(sql, params ?? [])) as never;
      await db._checkReady();
      return db._runExclusiveTransaction(async () => {
        const rows = await db._runExclusiveQuery(() => run(sql, params ?? []));
        // What PGlite's `query` does after a statement outside a transaction (a no-op on a directory or in memory).
        await db.syncToFs();
        return rows;
      }) as never;
    },
    async exec(sql) {
      await runner.exec(sql);
      statements.forgetAll();
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
 * Creates a new store in `dataDir` in a short-lived child process, and runs `prepare` (the migrations) on it there, so
 * that this process opens it as it would on a restart. WebAssembly memory only grows: PostgreSQL's initdb and the
 * first migrations in this process left a first start ~150 MB larger at rest than every restart after it, for the
 * life of the process. (A worker thread would not do: its memory is not handed back to the operating system.) The
 * store is made in a sibling directory and moved into place once complete, so a start cut short (a crash, a kill,
 * a failed migration) leaves nothing half-made to open next time.
 */
async function createStoreApart(
  dataDir: string,
  settings: { postgresqlconf: string[] },
  prepare: ((client: SqlClient) => Promise<void>) | undefined,
  timeoutMs: number,
): Promise<void> {
  const staging = `${dataDir}.creating-${process.pid}-${Date.now().toString(36)}`;
  try {
    await runStoreChild(staging, settings, prepare, timeoutMs);
    // The directory createPgliteClient made, still empty: renaming onto it replaces it (one step on one file system).
    await rmdir(dataDir);
    await rename(staging, dataDir);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw new Error('Creating the embedded store failed.', { cause: error });
  }
}

/** Hosts PGlite on `dir` in a child process for `prepare`, which speaks to it as a SqlClient over the IPC channel. */
async function runStoreChild(
  dir: string,
  settings: { postgresqlconf: string[] },
  prepare: ((client: SqlClient) => Promise<void>) | undefined,
  timeoutMs: number,
): Promise<void> {
  const code = `const [pglite, dir, settings] = JSON.parse(process.argv[1]);
    const { PGlite } = await import(pglite);
    const db = await PGlite.create(dir, settings);
    process.on('message', async ({ id, op, sql, params }) => {
      try {
        if (op === 'close') {
          await db.close();
          process.send({ id, rows: [] }, () => process.disconnect());
          return;
        }
        process.send({ id, rows: op === 'exec' ? (await db.exec(sql), []) : (await db.query(sql, params)).rows });
      } catch (error) {
        process.send({ id, error: String(error && error.message) });
      }
    });
    process.send({ ready: true });`;
  const args = JSON.stringify([import.meta.resolve('@electric-sql/pglite'), dir, settings]);
  const child = spawn(process.execPath, ['--input-type=module', '-e', code, args], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'advanced' });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-2000)));
  // Why the child can no longer answer, once it cannot: every call still waiting, and every later one, fails with it.
  let gone: Error | null = null;
  const pending = new Map<number, { resolve: (rows: never[]) => void; reject: (error: Error) => void }>();
  const end = (error: Error) => {
    gone ??= error;
    for (const call of pending.values()) call.reject(gone);
    pending.clear();
  };
  let ready!: { resolve: () => void; reject: (error: Error) => void };
  const started = new Promise<void>((resolve, reject) => (ready = { resolve, reject }));
  const closed = new Promise<number | null>((resolve) =>
    child.once('close', (exitCode, signal) => {
      end(new Error(`The process creating the embedded store ended (exit code ${exitCode}, signal ${signal}): ${stderr.trim()}`));
      ready.reject(gone!);
      resolve(exitCode);
    }),
  );
  // A spawn that fails, or a message that cannot be sent: without a listener, the hub's process would die of it.
  child.on('error', (error) => end(error));
  child.on('message', (message: { ready?: true; id?: number; rows?: never[]; error?: string }) => {
    if (message.ready) return ready.resolve();
    const call = pending.get(message.id ?? -1);
    pending.delete(message.id ?? -1);
    if (message.error !== undefined) call?.reject(new Error(message.error));
    else call?.resolve(message.rows ?? []);
  });
  let next = 0;
  const call = (op: 'query' | 'exec' | 'close', sql = '', params?: unknown[]) =>
    new Promise<never[]>((resolve, reject) => {
      if (gone || !child.connected) return reject(gone ?? new Error('The process creating the embedded store is gone.'));
      const id = next++;
      pending.set(id, { resolve, reject });
      child.send({ id, op, sql, params }, (error) => {
        if (error) end(error);
      });
    });
  // PGlite has one connection: a transaction is BEGIN and COMMIT on it, and one begun inside another joins it, as
  // createPgliteClient's own transactions do.
  let inTransaction = false;
  const client: SqlClient = {
    query: (sql, params) => call('query', sql, params),
    exec: async (sql) => void (await call('exec', sql)),
    async transaction(work) {
      if (inTransaction) return work(client);
      await call('exec', 'BEGIN');
      inTransaction = true;
      try {
        const result = await work(client);
        await call('exec', 'COMMIT');
        return result;
      } catch (error) {
        // The first error is the one to tell; a ROLLBACK to a child that is gone adds nothing.
        await call('exec', 'ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        inTransaction = false;
      }
    },
    listen: () => Promise.reject(new Error('A store being created takes no listeners.')),
    close: async () => undefined,
  };
  const timer = setTimeout(() => {
    end(new Error(`Creating the embedded store took over ${timeoutMs} ms.`));
    child.kill('SIGKILL');
  }, timeoutMs);
  try {
    await started;
    await prepare?.(client);
    await call('close');
    if ((await closed) !== 0) throw gone ?? new Error('The process creating the embedded store failed.');
  } catch (error) {
    child.kill('SIGKILL');
    await closed;
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
