import { Writable } from 'node:stream';
import { createLogger } from '../../adapters/logging/create-logger.js';
import { createHub, type HubOptions } from '../../gateway/create-hub.js';

/**
 * An embedded, in-memory hub whose every log line is kept, so tests can scan what the hub wrote. Connector API
 * keys are captured as `npm start` would print them.
 */
export async function createTestHub(options: HubOptions = {}) {
  const lines: string[] = [];
  const destination = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
  const connectorKeys = new Map<string, string>();
  const hub = await createHub({
    embedConnectors: true,
    relayIntervalMs: 200,
    retentionIntervalMs: 0,
    logger: createLogger({ name: 'test-hub', level: 'debug', destination }),
    onConnectorKeyCreated: (agencyId, key) => void connectorKeys.set(agencyId, key),
    ...options,
  });
  const connector = (agencyId: string, path: string, init: RequestInit = {}, key = connectorKeys.get(agencyId)) =>
    Promise.resolve(
      hub.fetch(
        new Request(`http://hub/connectors/${agencyId}${path}`, {
          ...init,
          headers: { ...(init.headers as Record<string, string>), ...(key ? { authorization: `Bearer ${key}` } : {}) },
        }),
      ),
    );
  return { hub, logs: () => lines.join(''), connectorKeys, connector };
}
