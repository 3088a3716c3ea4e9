import { createRequire } from 'node:module';
import type pg from 'pg';
import type { Logger } from 'pino';
import { ServiceUnavailableError } from '../../core/errors.js';
import { workCounters } from '../metrics/work-counters.js';
import type { SqlClient } from './sql-client.js';

/** node-postgres, loaded when a PostgreSQL store is made: a hub on the embedded store never holds it in memory. */
const loadPg = () => createRequire(import.meta.url)('pg') as typeof pg;

/**
 * SQLSTATEs and socket errors that mean "the server is gone", not "the statement is wrong". Listed one by one:
 * 08P01 (protocol violation) is also what a statement with the wrong number of parameters raises, a bug that must
 * surface as INTERNAL rather than hide as "try again".
 */
const CONNECTION_SQLSTATES = new Set(['08000', '08001', '08003', '08004', '08006', '08007', '57P01', '57P02', '57P03']);
const SOCKET_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/**
 * SQLSTATEs of a transaction that lost a race, not of a wrong statement: a deadlock (40P01), a serialisation
 * failure (40001), a lock table full (53200). The same work succeeds when tried again.
 */
const TRANSIENT_SQLSTATES = new Set(['40P01', '40001', '53200']);

function isRetriable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as Error & { code?: unknown }).code;
  if (typeof code === 'string' && (CONNECTION_SQLSTATES.has(code) || SOCKET_ERRORS.has(code) || TRANSIENT_SQLSTATES.has(code))) return true;
  // node-postgres reports a connection cut mid-query, and its own connect and query timeouts, with these messages
  // and no code.
  return /Connection terminated|Client has encountered a connection error|not queryable|timeout exceeded when trying to connect|Query read timeout/.test(
    error.message,
  );
}

/**
 * Connection loss and a lost race become the hub's retriable SERVICE_UNAVAILABLE (an event goes back to the bus and
 * is applied again, never dead-lettered for it); every other error passes unchanged.
 */
async function translated<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw isRetriable(error) ? new ServiceUnavailableError({ cause: error }) : error;
  }
}

export interface PgTimeouts {
  connectMs: number;
  keepAliveMs: number;
  /** Client side: how long a statement's answer may take before the connection is given up as lost. */
  queryMs: number;
  /** Server side (`statement_timeout`): a statement running longer is cancelled. */
  statementMs: number;
  idleInTransactionMs: number;
}

/** Generous for a hub whose requests take milliseconds; tight enough that an outage answers in seconds. */
export const DEFAULT_PG_TIMEOUTS: PgTimeouts = { connectMs: 5_000, keepAliveMs: 10_000, queryMs: 20_000, statementMs: 15_000, idleInTransactionMs: 30_000 };

/**
 * The PostgreSQL store adapter: a connection pool, one pooled connection per transaction. A connection the
 * server drops (restart, failover) is an `error` on the pool: logged and discarded, never a crash; the next query
 * opens a fresh connection, and the work that was running fails as a retriable error.
 */
export function createPgClient(options: { connectionString: string; max?: number; logger?: Logger; timeouts?: Partial<PgTimeouts> }): SqlClient {
  const t = { ...DEFAULT_PG_TIMEOUTS, ...options.timeouts };
  const pool = new (loadPg().Pool)({
    connectionString: options.connectionString,
    max: options.max ?? 10,
    // A server that vanished without closing its sockets (a partition, a dead VM) would otherwise hold every
    // request until the kernel's TCP timeout, minutes later; these turn it into a prompt SERVICE_UNAVAILABLE.
    connectionTimeoutMillis: t.connectMs,
    keepAlive: true,
    keepAliveInitialDelayMillis: t.keepAliveMs,
    query_timeout: t.queryMs,
    // The server's own guard: no statement, and no transaction left idle by a stuck caller, holds locks for long.
    statement_timeout: t.statementMs,
    idle_in_transaction_session_timeout: t.idleInTransactionMs,
  });
  pool.on('error', (err: Error & { code?: string }) => options.logger?.warn({ code: err.code }, 'idle PostgreSQL connection lost; the pool replaces it'));
  const wrap = (runner: pg.Pool | pg.PoolClient, inTransaction: boolean): SqlClient => {
    // One connection runs one statement at a time: callers inside a transaction may issue several at once
    // (Promise.all), so they are queued here rather than left to the driver's deprecated implicit queue.
    let queue: Promise<unknown> = Promise.resolve();
    const run = <T>(work: () => Promise<T>): Promise<T> => {
      if (!inTransaction) return work();
      const next = queue.then(work, work);
      queue = next.catch(() => undefined);
      return next;
    };
    return {
      async query(sql, params) {
        workCounters.sqlStatements.inc();
        const result = await translated(() => run(() => runner.query<Record<string, unknown>>(sql, params)));
        return result.rows as never;
      },
      async exec(sql) {
        await translated(() => run(() => runner.query(sql)));
      },
      async transaction(work) {
        if (inTransaction) return work(wrap(runner, true));
        const client = await translated(() => pool.connect());
        // A connection lost mid-transaction is reported on the client as well as through the failing query.
        const onError = (err: Error & { code?: string }) => options.logger?.warn({ code: err.code }, 'PostgreSQL connection lost in a transaction');
        client.on('error', onError);
        let broken = false;
        try {
          await translated(() => client.query('BEGIN'));
          const result = await work(wrap(client, true));
          await translated(() => client.query('COMMIT'));
          return result;
        } catch (error) {
          // A connection that cannot even roll back is broken: destroyed rather than returned to the pool.
          broken = await client.query('ROLLBACK').then(
            () => false,
            () => true,
          );
          throw error;
        } finally {
          client.off('error', onError);
          client.release(broken);
        }
      },
      listen: (channel, handlers) => listenOn(options, channel, handlers),
      async close() {
        if (!inTransaction) await pool.end();
      },
    };
  };
  return wrap(pool, false);
}

/**
 * LISTEN needs a connection that stays open, so it gets its own client rather than a pooled one. When the server
 * goes away the client is replaced, with back-off, for as long as the listener is open; `onResumed` then tells the
 * caller that notices may have been missed in between.
 */
async function listenOn(
  options: { connectionString: string; logger?: Logger; timeouts?: Partial<PgTimeouts> },
  channel: string,
  handlers: { onNotify(payload: string): void; onResumed(): void },
): Promise<{ close(): Promise<void> }> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(channel)) throw new Error(`Not a channel name: ${channel}`);
  const t = { ...DEFAULT_PG_TIMEOUTS, ...options.timeouts };
  let closed = false;
  let client: pg.Client | null = null;
  let retry: NodeJS.Timeout | null = null;
  const open = async (): Promise<pg.Client> => {
    const c = new (loadPg().Client)({ connectionString: options.connectionString, connectionTimeoutMillis: t.connectMs, keepAlive: true });
    c.on('notification', (n) => {
      if (n.channel === channel && n.payload !== undefined) handlers.onNotify(n.payload);
    });
    c.on('error', (err: Error & { code?: string }) => options.logger?.warn({ code: err.code }, 'PostgreSQL change feed connection lost'));
    c.on('end', () => {
      // Only the connection in use is replaced; one that failed to open is retried by `reconnect` itself.
      if (client !== c) return;
      client = null;
      if (!closed) reconnect(500);
    });
    await c.connect();
    await c.query(`LISTEN ${channel}`);
    return c;
  };
  const reconnect = (delayMs: number) => {
    if (retry || closed) return;
    retry = setTimeout(() => {
      retry = null;
      open().then(
        (c) => {
          if (closed) return void c.end().catch(() => undefined);
          client = c;
          options.logger?.info('PostgreSQL change feed resumed');
          handlers.onResumed();
        },
        () => reconnect(Math.min(delayMs * 2, 5_000)),
      );
    }, delayMs);
  };
  client = await translated(open);
  return {
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      await client?.end().catch(() => undefined);
    },
  };
}
