import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Clock } from '../../core/clock.js';
import { CareloopError, UnauthenticatedError } from '../../core/errors.js';
import type { AgencyDirectory, AgencySigner } from '../../core/ports/keys.js';
import type { AgencyType, Principal } from '../../core/ports/policy-engine.js';
import { peekJwsPayload, verifyAgencyJws } from './agency-keys.js';

/** Every token must be minted for the hub, so a token an agency issues for another service cannot be replayed here. */
export const TOKEN_AUDIENCE = 'careloop-hub';
/** Tolerated clock difference between the agency that minted a token and the hub. */
const CLOCK_SKEW_SECONDS = 60;

const claimsSchema = z.object({
  iss: z.string().min(1),
  sub: z.string().min(1).max(200),
  aud: z.union([z.string(), z.array(z.string())]),
  role: z.string().min(1).max(100),
  iat: z.number().int(),
  exp: z.number().int(),
  nbf: z.number().int().optional(),
});

/** Mints a bearer token for a user of the signer's agency. Agencies run this in their own identity systems. */
export async function mintAgencyToken(options: {
  signer: AgencySigner;
  userId: string;
  role: string;
  clock: Clock;
  ttlSeconds?: number;
}): Promise<string> {
  const iat = Math.floor(options.clock.now().getTime() / 1000);
  return options.signer.sign({
    iss: options.signer.agencyId,
    sub: options.userId,
    aud: TOKEN_AUDIENCE,
    role: options.role,
    iat,
    exp: iat + (options.ttlSeconds ?? 8 * 3600),
    jti: randomUUID(),
  });
}

export interface TokenVerifier {
  /** Returns the principal the token proves, or throws UNAUTHENTICATED; the reason stays in the error's cause. */
  verify(token: string): Promise<Principal>;
}

/** Verifies agency-issued tokens against the public keys the hub's directory holds for the issuing agency. */
export function createTokenVerifier(options: { directory: AgencyDirectory; clock: Clock }): TokenVerifier {
  return {
    async verify(token) {
      try {
        const claimed = claimsSchema.pick({ iss: true }).safeParse(peekJwsPayload(token));
        if (!claimed.success) throw new UnauthenticatedError('The token names no issuing agency.');
        const agency = await options.directory.find(claimed.data.iss);
        if (!agency || agency.type === 'hub') throw new UnauthenticatedError('The token was issued by an unknown agency.');
        const claims = claimsSchema.parse(await verifyAgencyJws(token, agency.id, agency.publicKeys));
        const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
        if (!audiences.includes(TOKEN_AUDIENCE)) throw new UnauthenticatedError('The token is not meant for this hub.');
        const now = Math.floor(options.clock.now().getTime() / 1000);
        if (claims.exp + CLOCK_SKEW_SECONDS < now) throw new UnauthenticatedError('The token has expired.');
        if (claims.nbf !== undefined && claims.nbf - CLOCK_SKEW_SECONDS > now) throw new UnauthenticatedError('The token is not valid yet.');
        return { agencyId: agency.id, agencyType: agency.type as AgencyType, role: claims.role, userId: claims.sub };
      } catch (error) {
        if (error instanceof UnauthenticatedError) throw error;
        const message = error instanceof CareloopError ? error.message : 'The token is malformed.';
        throw new UnauthenticatedError(message, { cause: error });
      }
    },
  };
}
