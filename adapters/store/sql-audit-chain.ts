import { verifyAuditChain, type AuditCheckpoint, type ChainLink, type ChainReport } from '../../core/audit/audit-chain.js';
import { HUB_AGENCY_ID } from '../../core/development-seed.js';
import type { AgencySigner, Jwk } from '../../core/ports/keys.js';
import { verifyAgencyJws } from '../crypto/agency-keys.js';
import { toStoredAuditEntry } from './sql-audit-log.js';
import type { SqlClient } from './sql-client.js';
import { asDate } from './sql-values.js';

const PAGE = 5_000;
const CHECKPOINT_TYPE = 'careloop-audit-checkpoint';

/**
 * Signs the audit chain's head with the hub's key when it has moved since the last checkpoint: from then on, an
 * entry cut off the end or a chain recomputed from scratch no longer matches what the hub signed.
 */
export async function checkpointAuditChain(client: SqlClient, signer: AgencySigner, now: Date): Promise<AuditCheckpoint | null> {
  const [head] = await client.query('SELECT seq, hash FROM audit_chain_head WHERE id = 1');
  const [last] = await client.query('SELECT max(seq) AS seq FROM audit_checkpoints');
  const seq = Number(head?.seq ?? 0);
  if (seq === 0 || (last?.seq !== null && last?.seq !== undefined && Number(last.seq) >= seq)) return null;
  const hash = String(head?.hash);
  const jws = await signer.sign({ type: CHECKPOINT_TYPE, seq, hash, signedAt: now.toISOString() });
  await client.query('INSERT INTO audit_checkpoints (seq, hash, signed_at, jws) VALUES ($1, $2, $3, $4) ON CONFLICT (seq) DO NOTHING', [seq, hash, now, jws]);
  return { seq, hash, signedAt: now, jws };
}

/**
 * Reads the stored chain back and verifies it (`npm run audit:verify`): every entry against its hash and its
 * predecessor, from where the live table starts (after archived entries), and every checkpoint against the hub's
 * public keys as the configured directory has them (never as the database says: whoever can edit the audit table
 * could also edit the agencies table).
 */
export async function verifyStoredAuditChain(client: SqlClient, hubPublicKeys: { keys: Jwk[] }): Promise<ChainReport & { unchained: number }> {
  const [start] = await client.query('SELECT seq, hash FROM audit_chain_start WHERE id = 1');
  const [unchained] = await client.query('SELECT count(*)::int AS n FROM audit_log WHERE seq IS NULL');
  const checkpoints = (await client.query('SELECT * FROM audit_checkpoints ORDER BY seq')).map((r): AuditCheckpoint => ({
    seq: Number(r.seq),
    hash: String(r.hash),
    signedAt: asDate(r.signed_at),
    jws: String(r.jws),
  }));
  async function* rows() {
    let after = -1;
    for (;;) {
      const page = await client.query('SELECT * FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2', [after, PAGE]);
      for (const row of page) yield toStoredAuditEntry(row);
      if (page.length < PAGE) return;
      after = Number(page.at(-1)!.seq);
    }
  }
  const report = await verifyAuditChain({
    start: { seq: Number(start?.seq ?? 0), hash: String(start?.hash) } satisfies ChainLink,
    rows: rows(),
    checkpoints,
    async openCheckpoint(jws) {
      try {
        const payload = (await verifyAgencyJws(jws, HUB_AGENCY_ID, hubPublicKeys)) as { type?: unknown; seq?: unknown; hash?: unknown };
        return payload.type === CHECKPOINT_TYPE && typeof payload.seq === 'number' && typeof payload.hash === 'string'
          ? { seq: payload.seq, hash: payload.hash }
          : null;
      } catch {
        return null;
      }
    },
  });
  return { ...report, unchained: Number(unchained?.n ?? 0) };
}
