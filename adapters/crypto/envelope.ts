import { CompactEncrypt, importJWK } from 'jose';
import jose from 'node-jose';
import { MalformedEventError } from '../../core/errors.js';
import type { AgencyRecord, EnvelopeOpener, EnvelopeSealer, Jwk } from '../../core/ports/keys.js';

/** ECDH-ES with key wrapping and AES-256-GCM: an ephemeral key per envelope, nothing shared in advance. */
export const ENVELOPE_ALGORITHM = 'ECDH-ES+A256KW';
export const ENVELOPE_ENCRYPTION = 'A256GCM';
/** The protected-header parameter that binds an envelope to the field it was made for. */
const PURPOSE_HEADER = 'careloop-purpose';
/** A resident identity number or a note of a few hundred characters seals to well under this; a batch names its own cap. */
const DEFAULT_MAX_ENVELOPE_CHARS = 16_384;

/**
 * The protected header, read before anything is decrypted: an envelope for another field, or one that asks to be
 * decompressed (`zip`: a small envelope could inflate to hundreds of megabytes), is refused unopened.
 */
function checkedHeader(envelope: string, purpose: string) {
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(envelope.slice(0, envelope.indexOf('.')), 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new MalformedEventError('An envelope is not a compact JWE.');
  }
  if (header === null || typeof header !== 'object') throw new MalformedEventError('An envelope is not a compact JWE.');
  if ('zip' in header) throw new MalformedEventError('An envelope may not be compressed.');
  if (header[PURPOSE_HEADER] !== purpose) throw new MalformedEventError('An envelope was sealed for another field.');
}

/** Generates an agency's P-256 encryption key (private JWK); its public half is published beside its signing keys. */
export async function generateAgencyEncryptionKey(agencyId: string, createdAt: Date = new Date()): Promise<Jwk> {
  const kid = `${agencyId}:enc:${createdAt.toISOString().slice(0, 10)}:${Math.random().toString(36).slice(2, 8)}`;
  const key = await jose.JWK.createKey('EC', 'P-256', { alg: ENVELOPE_ALGORITHM, use: 'enc', kid });
  return key.toJSON(true) as Jwk;
}

/** The encryption key an agency publishes (the newest when it rotates), or null when it publishes none. */
export function encryptionKeyOf(agency: AgencyRecord | null): Jwk | null {
  const keys = agency?.publicKeys.keys.filter((k) => k.use === 'enc') ?? [];
  return keys.at(-1) ?? null;
}

/**
 * Seals to one recipient's published key. `jose` makes the envelope: node-jose builds the ephemeral key in
 * JavaScript (13 ms an envelope on our machines against 1.3 ms), and node-jose opens what `jose` seals (tested).
 */
export async function createEnvelopeSealer(recipientKey: Jwk): Promise<EnvelopeSealer> {
  if (recipientKey.use !== 'enc' || typeof recipientKey.kid !== 'string') throw new Error('The recipient key is not a published encryption key.');
  const key = await importJWK(recipientKey as never, ENVELOPE_ALGORITHM);
  const kid = recipientKey.kid;
  const encoder = new TextEncoder();
  return {
    seal: (plain, purpose) =>
      new CompactEncrypt(encoder.encode(plain))
        .setProtectedHeader({ alg: ENVELOPE_ALGORITHM, enc: ENVELOPE_ENCRYPTION, kid, [PURPOSE_HEADER]: purpose })
        .encrypt(key),
  };
}

/** Opens envelopes sealed to any of `privateKeys` (old keys keep opening after a rotation), imported once. */
export async function createEnvelopeOpener(privateKeys: readonly Jwk[]): Promise<EnvelopeOpener> {
  const store = jose.JWK.createKeyStore();
  for (const key of privateKeys) await store.add(key);
  const decrypter = jose.JWE.createDecrypt(store, { algorithms: [ENVELOPE_ALGORITHM, ENVELOPE_ENCRYPTION] });
  return {
    async open(envelope, purpose, options = {}) {
      if (typeof envelope !== 'string' || envelope.length > (options.maxChars ?? DEFAULT_MAX_ENVELOPE_CHARS) || envelope.split('.').length !== 5) {
        throw new MalformedEventError('An envelope is not a compact JWE.');
      }
      checkedHeader(envelope, purpose);
      let opened: { header: Record<string, unknown>; payload: Buffer };
      try {
        opened = (await decrypter.decrypt(envelope)) as unknown as { header: Record<string, unknown>; payload: Buffer };
      } catch (cause) {
        throw new MalformedEventError("An envelope does not open with the hub's key.", { cause });
      }
      // Checked before decrypting too (checkedHeader); again on what the library decrypted, so the two cannot disagree.
      if (opened.header[PURPOSE_HEADER] !== purpose) throw new MalformedEventError('An envelope was sealed for another field.');
      return opened.payload.toString('utf8');
    },
  };
}
