import { describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../core/ports/audit-log.js';
import { HUB_AGENCY_ID } from '../../core/development-seed.js';
import { createAgencySigner, generateAgencySigningKey, publicJwk } from '../crypto/agency-keys.js';
import { migrate } from './migrate.js';
import { createPgliteClient } from './pglite-client.js';
import { checkpointAuditChain, verifyStoredAuditChain } from './sql-audit-chain.js';
import { createSqlAuditLog } from './sql-audit-log.js';
import { archiveAuditBefore } from './sql-audit-archive.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const entry = (n: number, subjectId = 'subj-a'): AuditEntry => ({
  at: new Date(Date.UTC(2026, 10, 1, 8, 0, n)),
  principalAgencyId: 'school-east',
  principalUserId: `teacher-${n}`,
  principalRole: 'psychology-teacher',
  action: 'referral.read',
  resourceType: 'referral',
  resourceId: `r-${n}`,
  subjectId,
  allowed: true,
  fields: ['id', 'state'],
  reasons: [],
  purpose: 'referral',
  legalBasis: 'consent',
  policyVersion: 'sha256:test',
  correlationId: null,
});

/** A hub with ten chained entries and a checkpoint after the first eight. */
async function chainedStore() {
  const client = await createPgliteClient();
  await migrate(client, 'hub');
  const audit = createSqlAuditLog(client);
  const key = await generateAgencySigningKey(HUB_AGENCY_ID);
  const signer = await createAgencySigner(HUB_AGENCY_ID, key);
  const keys = { keys: [await publicJwk(key)] };
  await audit.record([1, 2, 3].map((n) => entry(n)));
  await audit.record([4, 5, 6, 7, 8].map((n) => entry(n)));
  await checkpointAuditChain(client, signer, new Date('2026-11-01T09:00:00Z'));
  await audit.record([entry(9), entry(10)]);
  const verify = () => verifyStoredAuditChain(client, keys);
  return { client, audit, signer, keys, verify };
}

describe('the hash-chained audit trail', () => {
  it('verifies an untouched chain, with its checkpoint', async () => {
    const { verify } = await chainedStore();
    const report = await verify();
    expect(report).toMatchObject({ entries: 10, head: { seq: 10 }, checkpoints: 1, problems: [], unchained: 0 });
  });

  it('stays one chain when many writers race, in this process and from another replica', async () => {
    const { client, audit, verify } = await chainedStore();
    // A second writer on the same store with its own idea of the head: another replica. Each loses races to the
    // other and chains after the new head; none of them forks the chain.
    const replica = createSqlAuditLog(client);
    await Promise.all(Array.from({ length: 25 }, (_, i) => (i % 2 ? audit : replica).record([entry(100 + i), entry(200 + i)])));
    const report = await verify();
    expect(report.entries).toBe(60);
    expect(report.problems).toEqual([]);
  });

  it('stays one chain when a writer’s transaction rolls back and another writer takes the number it had used', async () => {
    const { client, audit, verify } = await chainedStore();
    const replica = createSqlAuditLog(client);
    await client
      .transaction(async (tx) => {
        await audit.record([entry(50)], tx as never);
        throw new Error('the change this audit belonged to failed');
      })
      .catch(() => undefined);
    await replica.record([entry(51)]);
    await audit.record([entry(52)]);
    expect(await verify()).toMatchObject({ entries: 12, problems: [] });
  });

  it('finds an edited entry and says which', async () => {
    const { client, verify } = await chainedStore();
    await client.query(`UPDATE audit_log SET fields = '["id","state","reason"]' WHERE seq = 5`);
    expect((await verify()).problems).toEqual([{ kind: 'EDITED', seq: 5, message: 'entry 5 does not match its hash: its content was changed' }]);
  });

  it('finds a removed entry', async () => {
    const { client, verify } = await chainedStore();
    await client.query('DELETE FROM audit_log WHERE seq = 4');
    expect((await verify()).problems).toEqual([{ kind: 'REMOVED', seq: 4, message: 'entries 4..4 are missing: removed from the chain' }]);
  });

  it('finds entries moved into another order', async () => {
    const { client, verify } = await chainedStore();
    // Swap the places of entries 6 and 7, hashes and all.
    await client.query('UPDATE audit_log SET seq = -seq WHERE seq IN (6, 7)');
    await client.query('UPDATE audit_log SET seq = CASE seq WHEN -6 THEN 7 ELSE 6 END WHERE seq IN (-6, -7)');
    const kinds = (await verify()).problems.map((p) => [p.kind, p.seq]);
    expect(kinds).toContainEqual(['REORDERED', 6]);
    expect(kinds.every(([, seq]) => seq === 6 || seq === 7 || seq === 8)).toBe(true);
  });

  it('finds entries cut off the end, against the signed checkpoint', async () => {
    const { client, verify } = await chainedStore();
    await client.query('DELETE FROM audit_log WHERE seq >= 7');
    const problems = (await verify()).problems;
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ kind: 'TRUNCATED', seq: 7 });
    expect(problems[0]!.message).toMatch(/the hub signed entry 8 on 2026-11-01T09:00:00.000Z, but the chain ends at 6/);
  });

  it('finds a chain recomputed from scratch by someone without the hub’s key', async () => {
    const { client, verify } = await chainedStore();
    // Rewrite entry 2 and every hash after it, as a tamperer who has this code but not the hub's key would.
    const { auditEntryHash } = await import('../../core/audit/audit-chain.js');
    const { toStoredAuditEntry } = await import('./sql-audit-log.js');
    const rows = (await client.query('SELECT * FROM audit_log ORDER BY seq')).map(toStoredAuditEntry);
    let prev = rows[0]!.hash;
    for (const row of rows.slice(1)) {
      const edited = row.seq === 2 ? { ...row, principalUserId: 'nobody' } : row;
      const hash = auditEntryHash(prev, row.seq, edited);
      await client.query('UPDATE audit_log SET principal_user_id = $2, prev_hash = $3, hash = $4 WHERE seq = $1', [
        row.seq,
        edited.principalUserId,
        prev,
        hash,
      ]);
      prev = hash;
    }
    expect((await verify()).problems).toEqual([
      { kind: 'REWRITTEN', seq: 8, message: 'entry 8 differs from what the hub signed on 2026-11-01T09:00:00.000Z: the chain was rewritten' },
    ]);
  });

  it('refuses a checkpoint not signed by the hub', async () => {
    const { client, verify } = await chainedStore();
    const rogue = await createAgencySigner(HUB_AGENCY_ID, await generateAgencySigningKey(HUB_AGENCY_ID));
    const [head] = await client.query('SELECT seq, hash FROM audit_chain_head');
    const jws = await rogue.sign({ type: 'careloop-audit-checkpoint', seq: Number(head!.seq), hash: head!.hash, signedAt: '2026-11-02T00:00:00Z' });
    await client.query('INSERT INTO audit_checkpoints (seq, hash, signed_at, jws) VALUES ($1, $2, $3, $4)', [head!.seq, head!.hash, new Date(), jws]);
    expect((await verify()).problems).toEqual([{ kind: 'FORGED_CHECKPOINT', seq: 10, message: 'the checkpoint at entry 10 is not signed by the hub' }]);
  });

  it('verifies from where the archive ends once older entries are archived, leaving no gap behind an entry not yet due', async () => {
    const client = await createPgliteClient();
    await migrate(client, 'hub');
    const audit = createSqlAuditLog(client);
    const old = (n: number) => ({ ...entry(n), at: new Date(Date.UTC(2020, 0, 1, 0, 0, n)) });
    // Entry 6 was written with a later time (another replica's clock): it and everything after it stay.
    await audit.record([old(1), old(2), old(3), old(4), old(5), entry(6), old(7)]);
    const key = await generateAgencySigningKey(HUB_AGENCY_ID);
    const dir = await mkdtemp(join(tmpdir(), 'careloop-chain-'));
    try {
      const { archived } = await archiveAuditBefore(client, { before: new Date('2021-01-01T00:00:00Z'), dir });
      expect(archived).toBe(5);
      await audit.record([entry(8)]);
      expect(await verifyStoredAuditChain(client, { keys: [await publicJwk(key)] })).toMatchObject({ entries: 3, head: { seq: 8 }, problems: [] });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
