import { createConnector, type ConnectorBaseOptions } from '../shared/create-connector.js';

/**
 * The public-safety connector. It runs the shared connector runtime (verified consumption of its bureau's
 * topic, durable inbox, JSON API); the hub sends a police bureau nothing yet, so any event reaching it is
 * dead-lettered as unexpected. Signals about minors and their acknowledgements arrive with the signals issue.
 */
export function createPublicSafetyConnector(options: ConnectorBaseOptions) {
  return createConnector({ ...options, kind: 'public-safety', mapInbound: () => null });
}
