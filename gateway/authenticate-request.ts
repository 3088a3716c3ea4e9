import { createGraphQLError } from 'graphql-yoga';
import type { Logger } from 'pino';
import type { TokenVerifier } from '../adapters/crypto/agency-token.js';
import { UnauthenticatedError } from '../core/errors.js';
import type { Principal } from '../core/ports/policy-engine.js';

/**
 * Authenticates an operation with the caller's agency-issued bearer token. It runs while the GraphQL context is
 * built, so no resolver ever runs without a principal. Authentication only: what the principal may do is the
 * policy's decision.
 */
export function createRequestAuthenticator(options: { verifier: TokenVerifier; logger: Logger }) {
  const reject = (message: string) =>
    createGraphQLError(message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401, headers: { 'WWW-Authenticate': 'Bearer' } } } });
  return async (request: Request): Promise<Principal> => {
    const match = /^Bearer\s+(\S+)$/i.exec(request.headers.get('authorization') ?? '');
    if (!match?.[1]) throw reject('A valid agency-issued bearer token is required.');
    try {
      return await options.verifier.verify(match[1]);
    } catch (error) {
      if (!(error instanceof UnauthenticatedError)) throw error;
      options.logger.info({ why: error.message }, 'token refused');
      throw reject(error.message);
    }
  };
}
