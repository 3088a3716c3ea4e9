import { createHash } from 'node:crypto';
import type { AuditEntry } from '../ports/audit-log.js';

/**
 * The disclosure audit as a hash chain (issue 9): each entry carries the hash of the one before it, so an entry
 * edited, removed or moved breaks every hash after it, and the chain head signed by the hub at intervals
 * (checkpoints) catches a tail cut off or a chain recomputed from scratch. Pure functions: the store keeps the
 * chain, `npm run audit:verify` reads it back through `verifyAuditChain`.
 */
export const GENESIS_HASH = '0'.repeat(64);

export interface ChainLink {
  seq: number;
  hash: string;
}

/** Canonical form of an entry: every audited attribute, in a fixed order, as JSON. Version-tagged. */
function canonical(prevHash: string, seq: number, e: AuditEntry): string {
  return JSON.stringify([
    'careloop-audit-v1',
    seq,
    prevHash,
    e.at.toISOString(),
    e.principalAgencyId,
    e.principalUserId,
    e.principalRole ?? null,
    e.action,
    e.resourceType,
    e.resourceId,
    e.subjectId ?? null,
    e.allowed,
    e.fields,
    e.reasons,
    e.purpose ?? null,
    e.legalBasis ?? null,
    e.policyVersion ?? null,
    e.correlationId,
  ]);
}

export function auditEntryHash(prevHash: string, seq: number, entry: AuditEntry): string {
  return createHash('sha256')
    .update(canonical(prevHash, seq, entry), 'utf8')
    .digest('hex');
}

/** Chains `entries` after `head`: their sequence numbers, previous hashes and hashes. */
export function chainAfter<T extends AuditEntry>(head: ChainLink, entries: readonly T[]): Array<T & { seq: number; prevHash: string; hash: string }> {
  let prev = head;
  return entries.map((entry) => {
    const seq = prev.seq + 1;
    const hash = auditEntryHash(prev.hash, seq, entry);
    const chained = { ...entry, seq, prevHash: prev.hash, hash };
    prev = { seq, hash };
    return chained;
  });
}

/** A signed statement by the hub that the chain had this head at that time. */
export interface AuditCheckpoint {
  seq: number;
  hash: string;
  signedAt: Date;
  jws: string;
}

export type ChainProblemKind = 'EDITED' | 'REMOVED' | 'REORDERED' | 'TRUNCATED' | 'REWRITTEN' | 'FORGED_CHECKPOINT';

export interface ChainProblem {
  kind: ChainProblemKind;
  /** Where: the sequence number the problem shows at. */
  seq: number;
  message: string;
}

export interface ChainReport {
  entries: number;
  head: ChainLink;
  checkpoints: number;
  problems: ChainProblem[];
}

/**
 * Walks the stored chain in sequence order from `start` (the genesis, or the last entry archived) and says where it
 * breaks. `rows` must come in ascending `seq`; `idOrder` is each row's position in insertion (id) order, which a
 * reordering disturbs. `openCheckpoint` verifies a checkpoint's signature and returns what it signed.
 */
export async function verifyAuditChain(options: {
  start: ChainLink;
  rows: AsyncIterable<AuditEntry & { seq: number; prevHash: string; hash: string; id: string }>;
  checkpoints: readonly AuditCheckpoint[];
  openCheckpoint: (jws: string) => Promise<ChainLink | null>;
}): Promise<ChainReport> {
  const problems: ChainProblem[] = [];
  const seen = new Map<number, string>();
  let prev = options.start;
  let entries = 0;
  let lastId: bigint | null = null;
  for await (const row of options.rows) {
    entries++;
    if (row.seq !== prev.seq + 1) {
      problems.push({
        kind: 'REMOVED',
        seq: prev.seq + 1,
        message: `entries ${prev.seq + 1}..${row.seq - 1} are missing: removed from the chain`,
      });
    } else if (row.prevHash !== prev.hash) {
      problems.push({ kind: 'REORDERED', seq: row.seq, message: `entry ${row.seq} does not follow entry ${prev.seq}: moved, or one before it replaced` });
    }
    if (auditEntryHash(row.prevHash, row.seq, row) !== row.hash) {
      problems.push({ kind: 'EDITED', seq: row.seq, message: `entry ${row.seq} does not match its hash: its content was changed` });
    }
    const id = BigInt(row.id);
    if (lastId !== null && id < lastId) {
      problems.push({ kind: 'REORDERED', seq: row.seq, message: `entry ${row.seq} was stored before entry ${row.seq - 1}: the order was changed` });
    }
    lastId = id;
    seen.set(row.seq, row.hash);
    prev = { seq: row.seq, hash: row.hash };
  }
  for (const checkpoint of options.checkpoints) {
    const signed = await options.openCheckpoint(checkpoint.jws);
    if (!signed || signed.seq !== checkpoint.seq || signed.hash !== checkpoint.hash) {
      problems.push({ kind: 'FORGED_CHECKPOINT', seq: checkpoint.seq, message: `the checkpoint at entry ${checkpoint.seq} is not signed by the hub` });
      continue;
    }
    if (checkpoint.seq <= options.start.seq) continue;
    if (checkpoint.seq > prev.seq) {
      problems.push({
        kind: 'TRUNCATED',
        seq: prev.seq + 1,
        message: `the hub signed entry ${checkpoint.seq} on ${checkpoint.signedAt.toISOString()}, but the chain ends at ${prev.seq}: entries were cut off`,
      });
    } else if (seen.get(checkpoint.seq) !== checkpoint.hash) {
      problems.push({
        kind: 'REWRITTEN',
        seq: checkpoint.seq,
        message: `entry ${checkpoint.seq} differs from what the hub signed on ${checkpoint.signedAt.toISOString()}: the chain was rewritten`,
      });
    }
  }
  problems.sort((a, b) => a.seq - b.seq);
  return { entries, head: prev, checkpoints: options.checkpoints.length, problems };
}
