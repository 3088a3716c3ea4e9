import { createHub, type HubOptions } from '../gateway/create-hub.js';

/**
 * A whole hub in this process for a benchmark: embedded connectors, the relay nudged at once, no background sweeps
 * (retention, deadlines) to disturb the timing; each connector's API key kept to call its door with.
 */
export async function createBenchHub(options: HubOptions = {}) {
  const keys = new Map<string, string>();
  const hub = await createHub({
    embedConnectors: true,
    relayIntervalMs: 50,
    retentionIntervalMs: 0,
    deadlineCheckIntervalMs: 0,
    onConnectorKeyCreated: (agencyId, key) => void keys.set(agencyId, key),
    ...options,
  });
  const connectorKey = (agencyId: string): string => {
    const key = keys.get(agencyId);
    if (!key) throw new Error(`No connector key for ${agencyId}.`);
    return key;
  };
  return { hub, connectorKey };
}
