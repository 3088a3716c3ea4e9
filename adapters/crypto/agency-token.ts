import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Clock } from '../../core/clock.js';
import { CareloopError, UnauthenticatedError } from '../../core/errors.js';
import { isPersonRoleOf, SYSTEM_ROLE } from '../../core/identity.js';
import type { AgencyDirectory, AgencyRecord, AgencySigner } from '../../core/ports/keys.js';
import type { Principal } from '../../core/ports/policy-engine.js';
import { jwkIdentity, peekJwsHeader, peekJwsPayload, verifyAgencyJws } from './agency-keys.js';

/** Every token must be minted for the hub, so a token an agency issues for another service cannot be replayed here. */
export const TOKEN_AUDIENCE = 'careloop-hub';
/** The audience of the token an agency's own system presents to its connector: one connector, never the hub's door. */
export const connectorAudience = (agencyId: string) => `careloop-connector:${agencyId}`;
/** Tolerated clock difference between the agency that minted a token and the hub. */
const CLOCK_SKEW_SECONDS = 60;
/** Default longest lifetime a token may declare (exp - iat); configurable with TOKEN_MAX_LIFETIME_SECONDS. */
export const DEFAULT_TOKEN_MAX_LIFETIME_SECONDS = 3600;

/** Tokens remembered as verified, oldest forgotten first: a few megabytes at most. */
const VERIFIED_TOKEN_CACHE_SIZE = 10_000;

const claimsSchema = z.object({
  iss: z.string().min(1),
  sub: z.string().min(1).max(200),
  aud: z.union([z.string(), z.array(z.string())]),
  role: z.string().min(1).max(100),
  iat: z.number().int(),
  exp: z.number().int(),
  nbf: z.number().int().optional(),
});

/** The credential of an `Authorization: Bearer <credential>` header, or null. */
export function bearerCredential(header: string | null | undefined): string | null {
  return /^Bearer\s+(\S+)$/i.exec(header ?? '')?.[1] ?? null;
}

/** Mints a bearer token for a user of the signer's agency. Agencies run this in their own identity systems. */
export async function mintAgencyToken(options: {
  signer: AgencySigner;
  userId: string;
  role: string;
  clock: Clock;
  ttlSeconds?: number;
  audience?: string;
  /** Test hooks for refused tokens: override the issued-at or not-before claims. */
  issuedAt?: number;
  notBefore?: number;
}): Promise<string> {
  const iat = options.issuedAt ?? Math.floor(options.clock.now().getTime() / 1000);
  return options.signer.sign({
    iss: options.signer.agencyId,
    sub: options.userId,
    aud: options.audience ?? TOKEN_AUDIENCE,
    role: options.role,
    iat,
    exp: iat + (options.ttlSeconds ?? DEFAULT_TOKEN_MAX_LIFETIME_SECONDS),
    ...(options.notBefore !== undefined ? { nbf: options.notBefore } : {}),
    jti: randomUUID(),
  });
}

/** What a verified token proves, and until when. */
export interface VerifiedToken {
  principal: Principal;
  /** The token's `exp`: open subscriptions end here. */
  expiresAt: Date;
}

export interface TokenVerifier {
  /** Returns what the token proves, or throws UNAUTHENTICATED; the reason stays in the error's message. */
  verify(token: string): Promise<VerifiedToken>;
}

export interface TokenVerifierOptions {
  directory: AgencyDirectory;
  clock: Clock;
  /** The audience the token must name: the hub's door by default, or one agency's connector. */
  audience?: string;
  /** Longest lifetime a token may declare; longer ones are refused even while valid. */
  maxLifetimeSeconds?: number;
  /**
   * Which roles a token may carry. The hub's door takes only the person roles of the issuing agency's type;
   * a connector takes only its own agency's system.
   */
  accepts?: 'person' | { systemOf: string };
}

/** Verifies agency-issued tokens against the public keys the hub's directory holds for the issuing agency. */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const audience = options.audience ?? TOKEN_AUDIENCE;
  const maxLifetime = options.maxLifetimeSeconds ?? DEFAULT_TOKEN_MAX_LIFETIME_SECONDS;
  const accepts = options.accepts ?? 'person';
  /**
   * Tokens whose signature already verified, with the key that verified them: a client sends the same token on
   * every request until it expires, and the ECDSA check is the costliest step of a small request. Only the
   * signature is remembered; every other check runs on every request, and an entry counts only while its key is
   * still registered to the issuer, so revoking a key takes effect as soon as the directory says so.
   */
  const verified = new Map<string, { agencyId: string; key: string; claims: z.infer<typeof claimsSchema> }>();
  async function verifiedClaims(token: string, agency: AgencyRecord) {
    const hit = verified.get(token);
    if (hit && hit.agencyId === agency.id && agency.publicKeys.keys.some((k) => jwkIdentity(k) === hit.key)) return hit.claims;
    const claims = claimsSchema.parse(await verifyAgencyJws(token, agency.id, agency.publicKeys));
    const kid = peekJwsHeader(token).kid;
    const jwk = agency.publicKeys.keys.find((k) => k.kid === kid && k.use !== 'enc');
    if (jwk) {
      if (verified.size >= VERIFIED_TOKEN_CACHE_SIZE) verified.delete(verified.keys().next().value!);
      verified.set(token, { agencyId: agency.id, key: jwkIdentity(jwk), claims });
    }
    return claims;
  }
  return {
    async verify(token) {
      try {
        const claimed = claimsSchema.pick({ iss: true }).safeParse(peekJwsPayload(token));
        if (!claimed.success) throw new UnauthenticatedError('The token names no issuing agency.');
        const agency = await options.directory.find(claimed.data.iss);
        if (!agency || agency.type === 'hub') throw new UnauthenticatedError('The token was issued by an unknown agency.');
        const claims = await verifiedClaims(token, agency);
        const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
        if (!audiences.includes(audience)) throw new UnauthenticatedError('The token is not meant for this door.');
        const now = Math.floor(options.clock.now().getTime() / 1000);
        if (claims.iat - CLOCK_SKEW_SECONDS > now) throw new UnauthenticatedError('The token was issued in the future.');
        if (claims.exp <= claims.iat) throw new UnauthenticatedError('The token expires before it was issued.');
        if (claims.exp - claims.iat > maxLifetime) throw new UnauthenticatedError(`The token lives longer than ${maxLifetime} seconds.`);
        if (claims.exp + CLOCK_SKEW_SECONDS < now) throw new UnauthenticatedError('The token has expired.');
        if (claims.nbf !== undefined && (claims.nbf - CLOCK_SKEW_SECONDS > now || claims.nbf > claims.exp)) {
          throw new UnauthenticatedError('The token is not valid yet.');
        }
        const type = agency.type;
        const roleAllowed = accepts === 'person' ? isPersonRoleOf(type, claims.role) : claims.role === SYSTEM_ROLE && agency.id === accepts.systemOf;
        if (!roleAllowed) throw new UnauthenticatedError('The token carries a role its agency may not issue here.');
        return {
          principal: { agencyId: agency.id, agencyType: type, role: claims.role, userId: claims.sub, districtId: agency.districtId ?? null },
          expiresAt: new Date(claims.exp * 1000),
        };
      } catch (error) {
        // A store outage while looking up the issuer is not a bad token: the caller should retry, not sign in again.
        if (error instanceof UnauthenticatedError || (error instanceof CareloopError && error.retriable)) throw error;
        const message = error instanceof CareloopError ? error.message : 'The token is malformed.';
        throw new UnauthenticatedError(message, { cause: error });
      }
    },
  };
}
