import { createHmac, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { IdentityLink, IdentityPseudonymiser } from '../../core/ports/identity-linkage.js';

const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
/** Lower-case base32 without padding: no characters that read alike, and safe in every id position. */
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

export class PseudonymKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PseudonymKeyError';
  }
}

function base32(bytes: Buffer, chars: number): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < chars) {
      out += BASE32[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  return out;
}

/**
 * Keyed digests of resident identity numbers (HMAC-SHA-256). Without the key nobody can test a guessed number
 * against the hub's records, which a plain hash of a number with ~10^10 plausible values would allow at once.
 * `keys` maps key id to at least 32 random bytes; `activeKeyId` names new children; all keys link known ones.
 */
export function createIdentityPseudonymiser(options: { keys: Record<string, Buffer>; activeKeyId: string }): IdentityPseudonymiser {
  for (const [id, key] of Object.entries(options.keys)) {
    if (!KEY_ID.test(id)) throw new PseudonymKeyError(`Pseudonym key id ${JSON.stringify(id)} is not a plain identifier.`);
    if (key.length < 32) throw new PseudonymKeyError(`Pseudonym key ${id} must be at least 32 bytes.`);
  }
  if (!options.keys[options.activeKeyId]) throw new PseudonymKeyError(`The active pseudonym key ${options.activeKeyId} is not configured.`);
  const ordered = [options.activeKeyId, ...Object.keys(options.keys).filter((id) => id !== options.activeKeyId)];
  return {
    linksOf(residentId) {
      return ordered.map((keyId) => ({ keyId, digest: createHmac('sha256', options.keys[keyId]!).update(residentId, 'utf8').digest('base64url') }));
    },
    pseudonymOf(link: IdentityLink) {
      // 80 bits: collisions stay out of reach for a province's children (~10^7) by a wide margin.
      return `subj-${base32(Buffer.from(link.digest, 'base64url'), 16)}`;
    },
  };
}

/** Parses `PSEUDONYM_KEYS` (`<id>:<base64 ≥32 bytes>[,...]`, the first one names new children). Never logged. */
export function parsePseudonymKeys(value: string): IdentityPseudonymiser {
  const keys: Record<string, Buffer> = {};
  const ids: string[] = [];
  for (const part of value
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const colon = part.indexOf(':');
    if (colon < 1) throw new PseudonymKeyError('PSEUDONYM_KEYS entries are <id>:<base64 key>.');
    keys[part.slice(0, colon)] = Buffer.from(part.slice(colon + 1), 'base64');
    ids.push(part.slice(0, colon));
  }
  if (!ids[0]) throw new PseudonymKeyError('PSEUDONYM_KEYS holds no key.');
  return createIdentityPseudonymiser({ keys, activeKeyId: ids[0] });
}

/** A pseudonymiser with one fresh key in memory: tests and throw-away hubs. */
export function createEphemeralPseudonymiser(): IdentityPseudonymiser {
  return createIdentityPseudonymiser({ keys: { ephemeral: randomBytes(32) }, activeKeyId: 'ephemeral' });
}

const keyFile = z.object({ activeKeyId: z.string().regex(KEY_ID), keys: z.record(z.string().regex(KEY_ID), z.string()) });

/** Development only: the pseudonym key kept beside the development keys, created on first start. */
export async function loadOrCreateDevelopmentPseudonymKeys(dir: string): Promise<IdentityPseudonymiser> {
  const file = join(dir, 'pseudonym-keys.json');
  if (!existsSync(file)) {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const id = `dev-${new Date().toISOString().slice(0, 10).replaceAll('-', '')}`;
    await writeFile(file, JSON.stringify({ activeKeyId: id, keys: { [id]: randomBytes(32).toString('base64') } }, null, 2), { mode: 0o600 });
  }
  const parsed = keyFile.parse(JSON.parse(await readFile(file, 'utf8')));
  return createIdentityPseudonymiser({
    activeKeyId: parsed.activeKeyId,
    keys: Object.fromEntries(Object.entries(parsed.keys).map(([id, k]) => [id, Buffer.from(k, 'base64')])),
  });
}
