import type { IResolvers } from '@graphql-tools/utils';
import type { Subscription } from '../core/ports/event-bus.js';
import type { RequestScope } from './context.js';
import type { InboundHandlers } from './hub-inbound.js';

/**
 * One capability on the gateway side: its SDL module in `schema/`, its resolvers, the per-request context it
 * needs (its policy-checked reader, its service) and the bus consumers it runs. `createHub` mounts each in one line.
 */
export interface GatewayModule {
  /** The SDL file in `schema/`, e.g. `referral.graphql`. */
  schema: string;
  resolvers: IResolvers;
  /** The module's part of the request context, under its own key. */
  context?(scope: RequestScope): Record<string, unknown>;
  /** The event types the module takes from agencies on the hub's inbound topic (one consumer for all modules). */
  inbound?: InboundHandlers;
  /** Starts the module's consumers and timers; their handles are closed when the hub stops. */
  start?(): Promise<Array<Subscription>>;
}
