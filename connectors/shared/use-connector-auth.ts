import type { MiddlewareHandler } from 'hono';
import type { Logger } from 'pino';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { bearerCredential, type TokenVerifier } from '../../adapters/crypto/agency-token.js';
import { ERROR_CODES, httpErrorBody, UnauthenticatedError, type ErrorCode } from '../../core/errors.js';
import { looksLikeApiKey, type ConnectorApiKeys } from './connector-api-keys.js';

/** Who called the connector: always the agency's own system, named by the credential it proved. */
export interface ConnectorCaller {
  agencyId: string;
  /** `api-key:<keyId>` or `token:<subject>`: recorded with every action next to the person the body names. */
  credential: string;
}

export type ConnectorEnv = { Variables: { caller: ConnectorCaller } };

export interface ConnectorAuthOptions {
  agencyId: string;
  apiKeys: ConnectorApiKeys;
  /** Verifies tokens for audience `careloop-connector:<agencyId>` with role `system` of this agency. */
  verifier: TokenVerifier;
  logger: Logger;
  /** Failed attempts a source may make per window before it is refused for `blockSeconds`. */
  throttle?: { failures: number; windowSeconds: number; blockSeconds: number };
}

const json = (code: ErrorCode, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(httpErrorBody(code)), {
    status: ERROR_CODES[code].status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  });

/** The TCP peer when served by @hono/node-server; one bucket for in-process callers. */
function sourceOf(env: unknown): string {
  const incoming = (env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress ?? 'in-process';
}

/**
 * Every `/v1` and `/fhir` call proves it is this agency's system, in every mode, embedded included: an agency-issued token
 * for this connector or this agency's API key. One agency's credential never opens another's connector. Failed
 * attempts are logged without the credential and throttled per source; a POST or PUT must be JSON (plain or FHIR), so a web page a
 * clerk happens to visit cannot submit a form to it.
 */
export function useConnectorAuth(options: ConnectorAuthOptions): MiddlewareHandler<ConnectorEnv> {
  const throttle = options.throttle ?? { failures: 10, windowSeconds: 60, blockSeconds: 300 };
  const failures = new RateLimiterMemory({ points: throttle.failures, duration: throttle.windowSeconds, blockDuration: throttle.blockSeconds });
  const log = options.logger.child({ component: 'connector-auth', agencyId: options.agencyId });

  async function authenticate(header: string | undefined): Promise<ConnectorCaller> {
    const bearer = bearerCredential(header);
    if (!bearer) throw new UnauthenticatedError('A credential for this connector is required.');
    if (looksLikeApiKey(bearer)) {
      const keyId = options.apiKeys.check(bearer);
      if (!keyId) throw new UnauthenticatedError('The API key does not open this connector.');
      return { agencyId: options.agencyId, credential: `api-key:${keyId}` };
    }
    const { principal } = await options.verifier.verify(bearer);
    return { agencyId: principal.agencyId, credential: `token:${principal.userId}` };
  }

  return async (c, next) => {
    const source = sourceOf(c.env);
    const blocked = await failures.get(source);
    if (blocked && blocked.consumedPoints > throttle.failures)
      return json('TOO_MANY_REQUESTS', { 'retry-after': String(Math.ceil(blocked.msBeforeNext / 1000)) });
    try {
      c.set('caller', await authenticate(c.req.header('authorization')));
    } catch (error) {
      if (!(error instanceof UnauthenticatedError)) throw error;
      await failures.consume(source).catch(() => undefined);
      log.warn({ why: error.message, source }, 'connector credential refused');
      return json('UNAUTHENTICATED', { 'www-authenticate': 'Bearer' });
    }
    return next();
  };
}

/**
 * Refuses a body of another media type than the door takes (415), after the caller proved who they are: the JSON
 * API and FHIR take JSON, imports their file type.
 */
export function requireMediaType(accepted: RegExp): MiddlewareHandler<ConnectorEnv> {
  return async (c, next) => {
    if ((c.req.method === 'POST' || c.req.method === 'PUT') && !accepted.test(c.req.header('content-type') ?? '')) return json('UNSUPPORTED_MEDIA_TYPE');
    return next();
  };
}
