import pg from 'pg';
import type { SqlClient } from './sql-client.js';

/** The PostgreSQL store adapter: a connection pool, one pooled connection per transaction. */
export function createPgClient(options: { connectionString: string; max?: number }): SqlClient {
  const pool = new pg.Pool({ connectionString: options.connectionString, max: options.max ?? 10 });
  const wrap = (runner: pg.Pool | pg.PoolClient, inTransaction: boolean): SqlClient => ({
    async query(sql, params) {
      const result = await runner.query<Record<string, unknown>>(sql, params);
      return result.rows as never;
    },
    async exec(sql) {
      await runner.query(sql);
    },
    async transaction(work) {
      if (inTransaction) return work(wrap(runner, true));
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await work(wrap(client, true));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    async close() {
      if (!inTransaction) await pool.end();
    },
  });
  return wrap(pool, false);
}
