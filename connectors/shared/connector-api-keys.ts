import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

/**
 * Per-agency API keys for the connector's JSON API: the simple credential for an agency system that cannot mint
 * tokens. The key is shown once when it is created; only its SHA-256 is kept (a stolen data directory opens
 * nothing). The agency id is part of the key, so a key names the one connector it opens.
 */
export interface ConnectorApiKeys {
  /** The key id of a matching key, or null. Constant-time on the hash. */
  check(presented: string): string | null;
}

const KEY_PREFIX = 'clk';
const storedKey = z.object({ keyId: z.string().min(1), sha256: z.string().regex(/^[0-9a-f]{64}$/), createdAt: z.string() });

const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/** True when the bearer value has the shape of an API key rather than a JWS. */
export function looksLikeApiKey(value: string): boolean {
  return value.startsWith(`${KEY_PREFIX}_`);
}

function newKey(agencyId: string): { key: string; keyId: string } {
  const keyId = randomBytes(4).toString('hex');
  return { key: `${KEY_PREFIX}_${agencyId}_${keyId}_${randomBytes(32).toString('base64url')}`, keyId };
}

function checker(agencyId: string, keyId: string, hash: Buffer): ConnectorApiKeys {
  return {
    check(presented) {
      if (!presented.startsWith(`${KEY_PREFIX}_${agencyId}_`)) return null;
      return timingSafeEqual(sha256(presented), hash) ? keyId : null;
    },
  };
}

/**
 * Loads the agency's connector API key hash from `dir`, or creates a key on first start, stores its hash and hands
 * the key to `onCreated` (the start script prints it once; it is never logged). Without `dir` the key lives in
 * memory only, for tests and throw-away hubs.
 */
export async function loadOrCreateConnectorApiKey(options: {
  agencyId: string;
  dir?: string;
  onCreated: (agencyId: string, key: string) => void;
}): Promise<ConnectorApiKeys> {
  const file = options.dir ? join(options.dir, `${options.agencyId}.connector-key.json`) : null;
  if (file && existsSync(file)) {
    const stored = storedKey.parse(JSON.parse(await readFile(file, 'utf8')));
    return checker(options.agencyId, stored.keyId, Buffer.from(stored.sha256, 'hex'));
  }
  const { key, keyId } = newKey(options.agencyId);
  if (file && options.dir) {
    await mkdir(options.dir, { recursive: true, mode: 0o700 });
    await writeFile(file, JSON.stringify({ keyId, sha256: sha256(key).toString('hex'), createdAt: new Date().toISOString() }, null, 2), { mode: 0o600 });
  }
  options.onCreated(options.agencyId, key);
  return checker(options.agencyId, keyId, sha256(key));
}
