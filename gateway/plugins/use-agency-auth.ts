import { createGraphQLError, type Plugin } from 'graphql-yoga';
import type { Logger } from 'pino';
import type { TokenVerifier } from '../../adapters/crypto/agency-token.js';
import { UnauthenticatedError } from '../../core/errors.js';

/**
 * Authenticates every operation with the caller's agency-issued bearer token before any resolver runs.
 * Authentication only: what the principal may do is the policy's decision.
 */
export function useAgencyAuth(options: { verifier: TokenVerifier; logger: Logger }): Plugin<{ request: Request }> {
  const reject = (message: string) =>
    createGraphQLError(message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401, headers: { 'WWW-Authenticate': 'Bearer' } } } });
  return {
    async onContextBuilding({ context, extendContext }) {
      const header = context.request.headers.get('authorization') ?? '';
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      if (!match?.[1]) throw reject('A valid agency-issued bearer token is required.');
      try {
        extendContext({ principal: await options.verifier.verify(match[1]) } as never);
      } catch (error) {
        if (!(error instanceof UnauthenticatedError)) throw error;
        options.logger.info({ reason: undefined, why: error.message }, 'token refused');
        throw reject(error.message);
      }
    },
  };
}
