import type { Logger } from 'pino';
import type { LedgerReader } from '../core/access/ledger-reader.js';
import type { Clock } from '../core/clock.js';
import type { LedgerStore } from '../core/ports/ledger-store.js';
import type { Principal } from '../core/ports/policy-engine.js';
import type { ReferralService } from '../core/referral/referral-service.js';
import type { ReferralEvents } from './referral-events.js';

/** What every resolver gets. Data comes only through `reader` and `referrals`, which ask the policy. */
export interface GatewayContext {
  principal: Principal;
  /** When the caller's token expires: an open subscription ends then. */
  tokenExpiresAt: Date;
  correlationId: string;
  reader: LedgerReader;
  referrals: ReferralService;
  directory: LedgerStore['agencies'];
  referralEvents: ReferralEvents;
  clock: Clock;
  logger: Logger;
}
