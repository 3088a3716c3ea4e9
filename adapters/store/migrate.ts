import { readdir, readFile } from 'node:fs/promises';
import { projectFile } from '../runtime/project-file.js';
import type { SqlClient } from './sql-client.js';

/**
 * Migration sets, each a folder of `NNNN_name.sql` files applied in order, once, on start. Sets are separate
 * because a connector deployed on its own database needs only its own tables, not the hub's.
 */
export type MigrationSet = 'hub' | 'referral' | 'warning' | 'signal' | 'bus' | 'connector' | 'events';

const MIGRATIONS_DIR = `${projectFile('adapters', 'store', 'migrations')}/`;

export async function migrate(client: SqlClient, set: MigrationSet): Promise<string[]> {
  await client.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    migration_set text NOT NULL, version text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (migration_set, version))`);
  const files = (await readdir(`${MIGRATIONS_DIR}${set}`)).filter((f) => /^\d{4}_.+\.sql$/.test(f)).sort();
  const applied = new Set(
    (await client.query<{ version: string }>('SELECT version FROM schema_migrations WHERE migration_set = $1', [set])).map((r) => r.version),
  );
  const newlyApplied: string[] = [];
  for (const file of files) {
    if (applied.has(file)) continue;
    const sql = await readFile(`${MIGRATIONS_DIR}${set}/${file}`, 'utf8');
    await client.transaction(async (tx) => {
      await tx.exec(sql);
      // A second process racing us on the same database loses here instead of applying twice.
      await tx.query('INSERT INTO schema_migrations (migration_set, version) VALUES ($1, $2)', [set, file]);
    });
    newlyApplied.push(file);
  }
  return newlyApplied;
}
