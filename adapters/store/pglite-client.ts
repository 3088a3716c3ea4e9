import { mkdir } from 'node:fs/promises';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { workCounters } from '../metrics/work-counters.js';
import type { SqlClient } from './sql-client.js';

/**
 * The embedded store: PostgreSQL compiled to WebAssembly, persisted in a directory (or in memory when `dataDir`
 * is omitted). One connection, so transactions are serialised; enough for one machine.
 */
export async function createPgliteClient(options: { dataDir?: string } = {}): Promise<SqlClient> {
  if (options.dataDir) await mkdir(options.dataDir, { recursive: true });
  const db = options.dataDir ? await PGlite.create(options.dataDir) : await PGlite.create();
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
