import type { Logger } from 'pino';
import type { Clock } from '../core/clock.js';
import type { AgencyDirectory } from '../core/ports/keys.js';
import type { Principal } from '../core/ports/policy-engine.js';

/** Who is asking, in one request: what every module's per-request context is built from. */
export interface RequestScope {
  principal: Principal;
  correlationId: string;
}

/** What every resolver gets; each capability module adds its own part under its own key. */
export interface GatewayContext extends RequestScope {
  /** When the caller's token expires: an open subscription ends then. */
  tokenExpiresAt: Date;
  directory: AgencyDirectory;
  clock: Clock;
  logger: Logger;
}
