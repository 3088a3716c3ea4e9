import { randomUUID } from 'node:crypto';
import { createYoga } from 'graphql-yoga';
import type { Logger } from 'pino';
import type { TokenVerifier } from '../adapters/crypto/agency-token.js';
import type { Clock } from '../core/clock.js';
import { clientCorrelationId } from '../core/correlation-id.js';
import { UnauthenticatedError } from '../core/errors.js';
import { requestScopedDirectory } from '../core/access/request-directory.js';
import type { AuditLog } from '../core/ports/audit-log.js';
import type { AgencyDirectory } from '../core/ports/keys.js';
import type { GatewayContext } from './context.js';
import type { GatewayModule } from './gateway-module.js';
import { createMaskError } from './plugins/mask-error.js';
import { useAgencyAuth, verifiedTokenOf } from './plugins/use-agency-auth.js';
import { useOperationLimits, type OperationLimits } from './plugins/use-operation-limits.js';
import { useRefusalAudit } from './plugins/use-refusal-audit.js';
import { useRequestLog } from './plugins/use-request-log.js';
import { buildGatewaySchema } from './schema.js';

export interface GatewayOptions {
  /** The capabilities mounted on this gateway, each with its schema module, resolvers and request context. */
  modules: readonly GatewayModule[];
  directory: AgencyDirectory;
  audit: AuditLog;
  clock: Clock;
  verifier: TokenVerifier;
  logger: Logger;
  /** Development mode serves GraphiQL (our own bundle) and answers introspection; production does neither. */
  development?: boolean;
  /** Origins a browser may call from; none by default, so browsers allow only same-origin calls. */
  corsOrigins?: readonly string[];
  limits?: Partial<OperationLimits>;
}

/** The GraphQL gateway: the only door for people and agency systems. Subscriptions are served over SSE. */
export function createGateway(options: GatewayOptions) {
  const logger = options.logger.child({ component: 'gateway' });
  const development = options.development ?? false;
  const origins = new Set(options.corsOrigins ?? []);
  return createYoga<{ request: Request }, GatewayContext>({
    schema: buildGatewaySchema(options.modules),
    graphqlEndpoint: '/graphql',
    graphiql: development ? { title: 'Careloop (development)' } : false,
    // GraphiQL's bundle is ~27 MB of strings once loaded: only a development hub that is asked for the page pays for it.
    renderGraphiQL: async (graphiql) => (await import('@graphql-yoga/render-graphiql')).renderGraphiQL(graphiql),
    landingPage: false,
    logging: false,
    maskedErrors: { maskError: createMaskError(logger) },
    // Only listed origins get CORS headers, and never with credentials: tokens travel in the header, not cookies.
    cors: (request) => {
      const origin = request.headers.get('origin');
      return origin && origins.has(origin)
        ? { origin: [origin], credentials: false, methods: ['GET', 'POST'], allowedHeaders: ['authorization', 'content-type', 'accept', 'x-correlation-id'] }
        : false;
    },
    plugins: [
      useAgencyAuth({ verifier: options.verifier, logger }),
      ...useOperationLimits({ limits: options.limits, allowIntrospection: development }),
      useRefusalAudit({ recordAudit: (e) => options.audit.record([e]), clock: options.clock, logger }),
      useRequestLog(logger),
    ],
    context: ({ request }: { request: Request }) => {
      const verified = verifiedTokenOf(request);
      // useAgencyAuth ends every request without a valid token before this runs; this is the second lock.
      if (!verified) throw new UnauthenticatedError();
      const correlationId = clientCorrelationId(request.headers.get('x-correlation-id')) ?? randomUUID();
      const scope = { principal: verified.principal, correlationId };
      const base: GatewayContext = {
        ...scope,
        tokenExpiresAt: verified.expiresAt,
        directory: requestScopedDirectory(options.directory),
        clock: options.clock,
        logger,
      };
      return Object.assign(base, ...options.modules.map((m) => m.context?.(scope) ?? {})) as GatewayContext;
    },
  });
}

export type Gateway = ReturnType<typeof createGateway>;
