import { randomUUID } from 'node:crypto';
import { createYoga } from 'graphql-yoga';
import type { Logger } from 'pino';
import type { TokenVerifier } from '../adapters/crypto/agency-token.js';
import { createLedgerReader } from '../core/access/ledger-reader.js';
import type { Clock } from '../core/clock.js';
import type { LedgerStore } from '../core/ports/ledger-store.js';
import type { PolicyEngine } from '../core/ports/policy-engine.js';
import { createRequestAuthenticator } from './authenticate-request.js';
import type { ReferralService } from '../core/referral/referral-service.js';
import type { GatewayContext } from './context.js';
import { createMaskError } from './plugins/mask-error.js';
import { useRequestLog } from './plugins/use-request-log.js';
import type { ReferralEvents } from './referral-events.js';
import { buildGatewaySchema } from './schema.js';

export interface GatewayOptions {
  store: LedgerStore;
  policy: PolicyEngine;
  clock: Clock;
  verifier: TokenVerifier;
  referrals: ReferralService;
  referralEvents: ReferralEvents;
  logger: Logger;
  graphiql?: boolean;
}

/** The GraphQL gateway: the only door for people and agency systems. Subscriptions are served over SSE. */
export function createGateway(options: GatewayOptions) {
  const logger = options.logger.child({ component: 'gateway' });
  const authenticate = createRequestAuthenticator({ verifier: options.verifier, logger });
  return createYoga<{ request: Request }, GatewayContext>({
    schema: buildGatewaySchema(),
    graphqlEndpoint: '/graphql',
    graphiql: options.graphiql ?? true,
    landingPage: false,
    logging: false,
    maskedErrors: { maskError: createMaskError(logger) },
    plugins: [useRequestLog(logger)],
    context: async ({ request }: { request: Request }) => {
      const principal = await authenticate(request);
      const header = request.headers.get('x-correlation-id');
      const correlationId = header && /^[\w.:-]{1,100}$/.test(header) ? header : randomUUID();
      return {
        principal,
        correlationId,
        reader: createLedgerReader({ principal, store: options.store, policy: options.policy, clock: options.clock, correlationId }),
        referrals: options.referrals,
        directory: options.store.agencies,
        referralEvents: options.referralEvents,
        logger,
      };
    },
  });
}

export type Gateway = ReturnType<typeof createGateway>;
