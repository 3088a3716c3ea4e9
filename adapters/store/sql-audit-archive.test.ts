import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../core/ports/audit-log.js';
import { createManualClock } from '../../core/clock.js';
import { createTestHub } from '../../test/support/test-hub.js';
import { migrate } from './migrate.js';
import { createPgliteClient } from './pglite-client.js';
import { archiveAuditBefore } from './sql-audit-archive.js';
import { createSqlAuditLog } from './sql-audit-log.js';

const entry = (at: string, resourceId: string): AuditEntry => ({
  at: new Date(at),
  principalAgencyId: 'school-east',
  principalUserId: 'teacher-1',
  action: 'referral.read',
  resourceType: 'referral',
  resourceId,
  allowed: true,
  fields: ['id', 'state'],
  reasons: [],
  correlationId: null,
});

describe('audit retention', () => {
  const dirs: string[] = [];
  const tempDir = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'careloop-audit-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  it('moves entries older than the cut-off, verbatim, to an archive file only the operator can read, and keeps the rest', async () => {
    const client = await createPgliteClient();
    await migrate(client, 'hub');
    await createSqlAuditLog(client).record([
      entry('2023-01-01T00:00:00Z', 'r-old-1'),
      entry('2023-06-01T00:00:00Z', 'r-old-2'),
      entry('2026-11-01T00:00:00Z', 'r-new'),
    ]);
    const dir = join(await tempDir(), 'archive');

    const first = await archiveAuditBefore(client, { before: new Date('2024-01-01T00:00:00Z'), dir });
    expect(first.archived).toBe(2);
    expect(first.files).toHaveLength(1);
    const lines = gunzipSync(await readFile(first.files[0]!))
      .toString('utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l.resource_id)).toEqual(['r-old-1', 'r-old-2']);
    expect(lines[0]).toMatchObject({ principal_agency_id: 'school-east', action: 'referral.read', allowed: true, fields: ['id', 'state'] });
    expect((await stat(first.files[0]!)).mode & 0o077).toBe(0);
    expect((await client.query<{ resource_id: string }>('SELECT resource_id FROM audit_log')).map((r) => r.resource_id)).toEqual(['r-new']);

    const again = await archiveAuditBefore(client, { before: new Date('2024-01-01T00:00:00Z'), dir });
    expect(again).toEqual({ archived: 0, files: [] });
    expect((await readdir(dir)).filter((f) => f.endsWith('.partial'))).toEqual([]);
    await client.close();
  });

  it('archives entries from before the chain in the order they were written, past id 9 and 99', async () => {
    const client = await createPgliteClient();
    await migrate(client, 'hub');
    // Entries the hub wrote before migration 0009 chained the log: no seq, ordered by id alone.
    await client.query(
      `INSERT INTO audit_log (at, principal_agency_id, action, resource_type, resource_id, allowed, fields, reasons)
       SELECT '2023-01-01T00:00:00Z', 'school-east', 'referral.read', 'referral', 'r-' || n, true, '[]', '[]' FROM generate_series(1, 120) AS n`,
    );
    const { files } = await archiveAuditBefore(client, { before: new Date('2024-01-01T00:00:00Z'), dir: join(await tempDir(), 'archive') });
    const ids = files.flatMap((f) =>
      gunzipSync(readFileSync(f))
        .toString('utf8')
        .trim()
        .split('\n')
        .map((l) => Number((JSON.parse(l) as { id: string }).id)),
    );
    expect(ids).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
    await client.close();
  });

  it('on the hub: archives past the retention period when an archive directory is set, and drops nothing without one', async () => {
    const clock = createManualClock(new Date('2026-11-23T08:00:00Z'));
    const archived = await createTestHub({ clock, auditRetentionMs: 24 * 3600_000, auditArchiveDir: join(await tempDir(), 'a') });
    const unarchived = await createTestHub({ clock, auditRetentionMs: 24 * 3600_000 });
    try {
      for (const t of [archived, unarchived]) await createSqlAuditLog(t.hub.sql).record([entry('2026-11-20T00:00:00Z', 'r-old')]);
      expect((await archived.hub.purgeExpired()).auditArchived).toBe(1);
      expect((await unarchived.hub.purgeExpired()).auditArchived).toBe(0);
      expect(await unarchived.hub.sql.query("SELECT 1 FROM audit_log WHERE resource_id = 'r-old'")).toHaveLength(1);
    } finally {
      await archived.hub.stop();
      await unarchived.hub.stop();
    }
  });
});
