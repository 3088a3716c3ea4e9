import { createHmac, randomBytes } from 'node:crypto';
import type { IdentityLink, IdentityPseudonymiser } from '../../core/ports/identity-linkage.js';
import { KEY_ID, loadOrCreateDevelopmentKeyList, parseKeyList } from './key-list.js';

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
  return createIdentityPseudonymiser(parseKeyList(value, 'PSEUDONYM_KEYS', (message) => new PseudonymKeyError(message)));
}

/** A pseudonymiser with one fresh key in memory: tests and throw-away hubs. */
export function createEphemeralPseudonymiser(): IdentityPseudonymiser {
  return createIdentityPseudonymiser({ keys: { ephemeral: randomBytes(32) }, activeKeyId: 'ephemeral' });
}

/** Development only: the pseudonym key kept beside the development keys, created on first start. */
export async function loadOrCreateDevelopmentPseudonymKeys(dir: string): Promise<IdentityPseudonymiser> {
  return createIdentityPseudonymiser(await loadOrCreateDevelopmentKeyList(dir, 'pseudonym-keys.json'));
}
