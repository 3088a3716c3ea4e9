import { createWriteStream } from 'node:fs';
import { mkdir, open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { SqlClient } from './sql-client.js';

const BATCH = 5_000;

/**
 * Audit retention that never silently drops: entries older than `before` are written, verbatim and with their
 * ids, to gzipped JSON Lines files in `dir` (one per batch, `audit-<firstId>-<lastId>.jsonl.gz`, readable by the
 * hub's operator only), and deleted from the live table only once their file is complete on disk. A crash in
 * between leaves the rows in place, so the next run archives them again: a duplicate in the archive, never a gap.
 */
export async function archiveAuditBefore(client: SqlClient, options: { before: Date; dir: string }): Promise<{ archived: number; files: string[] }> {
  await mkdir(options.dir, { recursive: true, mode: 0o700 });
  const files: string[] = [];
  let archived = 0;
  for (;;) {
    const rows = await client.query<{ id: string } & Record<string, unknown>>(
      `SELECT id::text AS id, at, principal_agency_id, principal_user_id, action, resource_type, resource_id, allowed, fields, reasons, correlation_id
       FROM audit_log WHERE at < $1 ORDER BY id LIMIT $2`,
      [options.before, BATCH],
    );
    if (rows.length === 0) return { archived, files };
    const file = join(options.dir, `audit-${rows[0]!.id}-${rows.at(-1)!.id}.jsonl.gz`);
    const partial = `${file}.partial`;
    await pipeline(Readable.from(rows.map((r) => `${JSON.stringify(r)}\n`)), createGzip(), createWriteStream(partial, { mode: 0o600 }));
    const handle = await open(partial, 'r');
    await handle.sync();
    await handle.close();
    await rename(partial, file);
    await client.query('DELETE FROM audit_log WHERE id = ANY($1::bigint[])', [rows.map((r) => r.id)]);
    files.push(file);
    archived += rows.length;
  }
}
