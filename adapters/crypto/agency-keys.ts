import { createPrivateKey, createPublicKey, sign as signWith, verify as verifyWith, type KeyObject } from 'node:crypto';
import jose from 'node-jose';
import { InvalidSignatureError, WrongSignerError } from '../../core/errors.js';
import type { AgencySigner, Jwk } from '../../core/ports/keys.js';
import { workCounters } from '../metrics/work-counters.js';

/** ES256 everywhere: small signatures, and the algorithm the agencies' HSMs and JOSE libraries all support. */
export const SIGNING_ALGORITHM = 'ES256';

/** Generates a private P-256 signing key for an agency. The `kid` names the agency so logs can say who signed. */
export async function generateAgencySigningKey(agencyId: string, createdAt: Date = new Date()): Promise<Jwk> {
  const kid = `${agencyId}:${createdAt.toISOString().slice(0, 10)}:${Math.random().toString(36).slice(2, 8)}`;
  const key = await jose.JWK.createKey('EC', 'P-256', { alg: SIGNING_ALGORITHM, use: 'sig', kid });
  return key.toJSON(true) as Jwk;
}

/** The public half of a private JWK, the only part that ever leaves the agency. */
export async function publicJwk(privateJwk: Jwk): Promise<Jwk> {
  const key = await jose.JWK.asKey(privateJwk);
  return key.toJSON(false) as Jwk;
}

/** ES256 in JWS: SHA-256 over `header.payload`, the signature as the raw 64-byte r||s (RFC 7518 §3.4). */
const ES256 = { hash: 'sha256', dsaEncoding: 'ieee-p1363' } as const;
const ES256_SIGNATURE_BYTES = 64;

/**
 * Signs compact JWS for one agency with its private key. The key is imported once into a node:crypto KeyObject:
 * node-jose generates and exports keys, but signing through it costs ~0.6 ms a call on the hot path (issue 7).
 */
export async function createAgencySigner(agencyId: string, privateJwk: Jwk): Promise<AgencySigner> {
  const kid = (await jose.JWK.asKey(privateJwk)).kid;
  const key = createPrivateKey({ key: privateJwk as never, format: 'jwk' });
  const header = Buffer.from(JSON.stringify({ alg: SIGNING_ALGORITHM, kid })).toString('base64url');
  return {
    agencyId,
    async sign(payload: unknown): Promise<string> {
      const input = `${header}.${Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url')}`;
      workCounters.jwsOperations.inc({ operation: 'sign' });
      const signature = signWith(ES256.hash, Buffer.from(input), { key, dsaEncoding: ES256.dsaEncoding });
      return `${input}.${signature.toString('base64url')}`;
    },
  };
}

/**
 * Public keys imported once, by their key material: the directory hands out fresh JWK objects on every lookup,
 * and there are only as many entries as keys ever registered.
 */
const importedPublicKeys = new Map<string, KeyObject>();

/** What makes a public key the same key: its id and its material, not the JWK object that carries them. */
export const jwkIdentity = (jwk: Jwk): string => JSON.stringify([jwk.kid, jwk.crv, jwk.x, jwk.y]);

function publicKeyObject(jwk: Jwk): KeyObject {
  const id = jwkIdentity(jwk);
  let key = importedPublicKeys.get(id);
  if (!key) {
    key = createPublicKey({ key: jwk as never, format: 'jwk' });
    importedPublicKeys.set(id, key);
  }
  return key;
}

/** The protected header of a compact JWS, read before verification only to pick the key to verify with. */
export function peekJwsHeader(compact: string): { alg?: unknown; kid?: unknown } {
  const [encodedHeader] = compact.split('.');
  try {
    return JSON.parse(Buffer.from(encodedHeader ?? '', 'base64url').toString('utf8')) as { alg?: unknown; kid?: unknown };
  } catch (cause) {
    throw new InvalidSignatureError('The JWS header is not valid JSON.', { cause });
  }
}

/** The payload of a compact JWS, read before verification only to learn which agency claims to have signed it. */
export function peekJwsPayload(compact: string): unknown {
  const parts = compact.split('.');
  if (parts.length !== 3) throw new InvalidSignatureError('Not a compact JWS.');
  try {
    return JSON.parse(Buffer.from(parts[1] ?? '', 'base64url').toString('utf8'));
  } catch (cause) {
    throw new InvalidSignatureError('The JWS payload is not valid JSON.', { cause });
  }
}

/**
 * Verifies a compact JWS against the public keys registered for the agency that claims to have signed it.
 * A signature by a key of some other agency is WRONG_SIGNER; a broken or forged signature is INVALID_SIGNATURE.
 */
export async function verifyAgencyJws(compact: string, agencyId: string, publicKeys: { keys: Jwk[] }): Promise<unknown> {
  const header = peekJwsHeader(compact);
  if (header.alg !== SIGNING_ALGORITHM) throw new InvalidSignatureError(`Only ${SIGNING_ALGORITHM} signatures are accepted.`);
  if (typeof header.kid !== 'string') throw new InvalidSignatureError('The JWS header names no key (kid).');
  // An encryption key never verifies a signature, even one naming its kid.
  const jwk = publicKeys.keys.find((k) => k.kid === header.kid && k.use !== 'enc');
  if (!jwk) throw new WrongSignerError(`The signing key is not registered to agency ${agencyId}.`);
  const payload = peekJwsPayload(compact);
  const [encodedHeader, encodedPayload, encodedSignature] = compact.split('.');
  const signature = Buffer.from(encodedSignature ?? '', 'base64url');
  workCounters.jwsOperations.inc({ operation: 'verify' });
  let valid = false;
  try {
    valid =
      signature.length === ES256_SIGNATURE_BYTES &&
      verifyWith(ES256.hash, Buffer.from(`${encodedHeader}.${encodedPayload}`), { key: publicKeyObject(jwk), dsaEncoding: ES256.dsaEncoding }, signature);
  } catch (cause) {
    throw new InvalidSignatureError('The signature does not verify.', { cause });
  }
  if (!valid) throw new InvalidSignatureError('The signature does not verify.');
  return payload;
}
