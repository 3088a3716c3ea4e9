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
// Archiving in chain order stops at the first entry not yet due: a later-dated entry never leaves a gap behind it.
export async function archiveAuditBefore(client: SqlClient, options: { before: Date; dir: string }): Promise<{ archived: number; files: string[] }> {
  await mkdir(options.dir, { recursive: true, mode: 0o700 });
  const files: string[] = [];
  let archived = 0;
  for (;;) {
    const rows = await client.query<{ id: string } & Record<string, unknown>>(
      // In chain order (entries from before the chain first), so the live chain always starts where the archive ends.
      `SELECT id::text AS id, at, principal_agency_id, principal_user_id, principal_role, action, resource_type, resource_id, subject_id,
         allowed, fields, reasons, purpose, legal_basis, policy_version, correlation_id, seq, prev_hash, hash
       FROM audit_log
       WHERE at < $1 AND (seq IS NULL OR seq < COALESCE((SELECT min(seq) FROM audit_log WHERE at >= $1), 9223372036854775807))
       ORDER BY audit_log.seq NULLS FIRST, audit_log.id LIMIT $2`,
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
    const lastChained = rows.filter((r) => r.seq !== null && r.seq !== undefined).at(-1);
    await client.transaction(async (tx) => {
      await tx.query('DELETE FROM audit_log WHERE id = ANY($1::bigint[])', [rows.map((r) => r.id)]);
      // The live chain now starts after the last archived entry; the archive file holds the entries before it.
      if (lastChained) await tx.query('UPDATE audit_chain_start SET seq = $1, hash = $2 WHERE id = 1', [lastChained.seq, lastChained.hash]);
    });
    files.push(file);
    archived += rows.length;
  }
}
