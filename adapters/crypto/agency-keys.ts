import jose from 'node-jose';
import { InvalidSignatureError, WrongSignerError } from '../../core/errors.js';
import type { AgencySigner, Jwk } from '../../core/ports/keys.js';

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

/** Signs compact JWS for one agency with its private key. */
export async function createAgencySigner(agencyId: string, privateJwk: Jwk): Promise<AgencySigner> {
  const key = await jose.JWK.asKey(privateJwk);
  return {
    agencyId,
    async sign(payload: unknown): Promise<string> {
      const signed = await jose.JWS.createSign({ format: 'compact', fields: { alg: SIGNING_ALGORITHM, kid: key.kid } }, key)
        .update(JSON.stringify(payload), 'utf8')
        .final();
      return signed as unknown as string;
    },
  };
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
  if (!publicKeys.keys.some((k) => k.kid === header.kid)) {
    throw new WrongSignerError(`The signing key is not registered to agency ${agencyId}.`);
  }
  const keystore = await jose.JWK.asKeyStore({ keys: publicKeys.keys });
  try {
    const result = await jose.JWS.createVerify(keystore, { algorithms: [SIGNING_ALGORITHM] }).verify(compact);
    return JSON.parse(result.payload.toString('utf8'));
  } catch (cause) {
    throw new InvalidSignatureError('The signature does not verify.', { cause });
  }
}
