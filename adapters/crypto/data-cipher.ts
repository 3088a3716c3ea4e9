import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { KEY_ID, loadOrCreateDevelopmentKeyList, parseKeyList } from './key-list.js';

/**
 * Encrypts sensitive text at rest (referral reasons, decline reasons, notes, event payloads in the outbox, the
 * embedded bus log and connector inboxes) with AES-256-GCM, PIPL Art. 51. Each value carries the id of its key,
 * so keys rotate: a new key encrypts from the moment it is made active, old keys keep decrypting until every row
 * written under them has been purged or re-sealed (README "Security model").
 *
 * Sealed form: `enc:v1:<keyId>:<base64url(iv ‖ tag ‖ ciphertext)>`. The associated data binds a value to its
 * purpose (`referrals.reason`, ...), so a sealed reason cannot be moved into another column and still open.
 */
export interface DataCipher {
  seal(plain: string, purpose: string): string;
  open(sealed: string, purpose: string): string;
  readonly activeKeyId: string;
}

const PREFIX = 'enc:v1:';

export class DataKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataKeyError';
  }
}

const IV_BYTES = 12;
/** IVs cut from one draw of the CSPRNG; ~4 kB. */
const IV_POOL_BYTES = IV_BYTES * 340;
let ivPool = Buffer.alloc(0);
let ivNext = 0;

/**
 * A fresh random 96-bit IV, cut from a buffer of random bytes drawn 340 IVs at a time. A call into the CSPRNG per
 * seal was 7% of the hub's CPU under a police bureau's export (~16 µs a call on the loaded bench machine, two seals
 * a signal); each IV is as random as one drawn alone. Each slice is handed out once: `ivNext` only moves forward, a
 * refill replaces the buffer, and JavaScript runs this without interleaving.
 */
function nextIv(): Buffer {
  if (ivNext + IV_BYTES > ivPool.length) {
    ivPool = randomBytes(IV_POOL_BYTES);
    ivNext = 0;
  }
  const iv = ivPool.subarray(ivNext, ivNext + IV_BYTES);
  ivNext += IV_BYTES;
  return iv;
}

/** A data key ring: `keys` maps key id to 32 raw bytes; `activeKeyId` seals. */
export function createDataCipher(options: { keys: Record<string, Buffer>; activeKeyId: string }): DataCipher {
  for (const [id, key] of Object.entries(options.keys)) {
    if (!KEY_ID.test(id)) throw new DataKeyError(`Data key id ${JSON.stringify(id)} is not a plain identifier.`);
    if (key.length !== 32) throw new DataKeyError(`Data key ${id} must be 32 bytes (AES-256).`);
  }
  const active = options.keys[options.activeKeyId];
  if (!active) throw new DataKeyError(`The active data key ${options.activeKeyId} is not in the key ring.`);
  return {
    activeKeyId: options.activeKeyId,
    seal(plain, purpose) {
      const iv = nextIv();
      const cipher = createCipheriv('aes-256-gcm', active, iv);
      cipher.setAAD(Buffer.from(purpose, 'utf8'));
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return `${PREFIX}${options.activeKeyId}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
    },
    open(sealed, purpose) {
      if (!sealed.startsWith(PREFIX)) throw new DataKeyError('The value is not sealed.');
      const rest = sealed.slice(PREFIX.length);
      const colon = rest.indexOf(':');
      const keyId = rest.slice(0, colon);
      const key = options.keys[keyId];
      if (!key) throw new DataKeyError(`No data key ${keyId} to open this value: it was sealed under a key this ring no longer has.`);
      const raw = Buffer.from(rest.slice(colon + 1), 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
      decipher.setAAD(Buffer.from(purpose, 'utf8'));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    },
  };
}

/** A key ring with one fresh key, in memory only: for tests and throw-away hubs. */
export function createEphemeralDataCipher(): DataCipher {
  return createDataCipher({ keys: { ephemeral: randomBytes(32) }, activeKeyId: 'ephemeral' });
}

/** Parses `DATA_KEYS` (`<id>:<base64 32 bytes>[,<id>:<base64>...]`, the first one seals). Configuration, never logged. */
export function parseDataKeys(value: string): DataCipher {
  return createDataCipher(parseKeyList(value, 'DATA_KEYS', (message) => new DataKeyError(message)));
}

/** Development only: the data key ring kept beside the development signing keys, created on first start. */
export async function loadOrCreateDevelopmentDataKeys(dir: string): Promise<DataCipher> {
  return createDataCipher(await loadOrCreateDevelopmentKeyList(dir, 'data-keys.json'));
}
