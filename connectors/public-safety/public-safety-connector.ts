import type { Logger } from 'pino';
import type { Clock } from '../../core/clock.js';
import type { EventBus } from '../../core/ports/event-bus.js';
import type { AgencyDirectory } from '../../core/ports/keys.js';
import type { ConnectorInbox } from '../shared/connector-inbox.js';
import { createConnector } from '../shared/create-connector.js';

/**
 * The public-safety connector. It runs the shared connector runtime (verified consumption of its bureau's
 * topic, durable inbox, JSON API); the hub sends a police bureau nothing yet, so any event reaching it is
 * dead-lettered as unexpected. Signals about minors and their acknowledgements arrive with the signals issue.
 */
export function createPublicSafetyConnector(options: { agencyId: string; bus: EventBus; directory: AgencyDirectory; inbox: ConnectorInbox; clock: Clock; logger: Logger; apiToken?: string }) {
  return createConnector({ ...options, kind: 'public-safety', mapInbound: () => null });
}
