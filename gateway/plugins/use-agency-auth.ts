import type { Plugin } from 'graphql-yoga';
import type { Logger } from 'pino';
import { bearerCredential, type TokenVerifier, type VerifiedToken } from '../../adapters/crypto/agency-token.js';
import { ERROR_CODES, UnauthenticatedError } from '../../core/errors.js';

/** The verified token of each request, set before the body is read and read by the context factory. */
const verifiedByRequest = new WeakMap<Request, VerifiedToken>();

export function verifiedTokenOf(request: Request): VerifiedToken | undefined {
  return verifiedByRequest.get(request);
}

/** A GraphQL-shaped 401, with the stable code, answered before yoga reads the body. */
function unauthenticated(message: string): Response {
  return new Response(JSON.stringify({ errors: [{ message, extensions: { code: 'UNAUTHENTICATED' } }] }), {
    status: ERROR_CODES.UNAUTHENTICATED.status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'www-authenticate': 'Bearer' },
  });
}

/**
 * Authenticates every GraphQL request with its agency-issued bearer token before the body is read or parsed:
 * a caller without a valid token costs the hub one signature check, never a parse (a 12 MB query without a token
 * once held the event loop for seconds). Authentication only: what the principal may do is the policy's business.
 */
export function useAgencyAuth(options: { verifier: TokenVerifier; logger: Logger }): Plugin {
  const log = options.logger.child({ component: 'agency-auth' });
  return {
    async onRequestParse({ request, endResponse }) {
      const token = bearerCredential(request.headers.get('authorization'));
      if (!token) {
        endResponse(unauthenticated(ERROR_CODES.UNAUTHENTICATED.message));
        return;
      }
      try {
        verifiedByRequest.set(request, await options.verifier.verify(token));
      } catch (error) {
        if (!(error instanceof UnauthenticatedError)) throw error;
        // The reason is ours (no token content): safe to log and to tell the caller.
        log.info({ why: error.message }, 'token refused');
        endResponse(unauthenticated(error.message));
      }
    },
  };
}
