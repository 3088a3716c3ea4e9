import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../adapters/logging/create-logger.js';
import { createHub, type Hub, type HubOptions } from '../../gateway/create-hub.js';
import { eventually, gql, tokenFor } from '../support/hub-client.js';
import { createManualClock, systemClock } from '../../core/clock.js';
import { CENTRE, describeReferralLoop, HOSPITAL, OTHER_HOSPITAL, READ, SCHOOL, sendReferral, type LoopDeployment } from './referral-loop.scenarios.js';

const logger = () => createLogger({ name: 'test-hub', level: process.env.TEST_LOG_LEVEL ?? 'silent' });

/** Connector API keys as the hub hands them out on first start (printed once by `npm start`). */
const connectorKeys = new Map<string, string>();
const onConnectorKeyCreated = (agencyId: string, key: string) => void connectorKeys.set(agencyId, key);

function embeddedDeployment(hub: Hub, clock: LoopDeployment['clock']): LoopDeployment {
  const connector =
    (agencyId: string) =>
    (path: string, init: RequestInit = {}) =>
      Promise.resolve(
        hub.fetch(
          new Request(`http://hub/connectors/${agencyId}${path}`, {
            ...init,
            headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${connectorKeys.get(agencyId)}` },
          }),
        ),
      );
  return {
    hub,
    clock,
    hospitalConnector: connector(HOSPITAL),
    otherHospitalConnector: connector(OTHER_HOSPITAL),
    centreConnector: connector(CENTRE),
    schoolConnector: connector(SCHOOL),
    count: async (table) => Number((await hub.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`))[0]?.n),
    stop: () => hub.stop(),
  };
}

describeReferralLoop('the referral loop on the embedded bus and PGlite', async () => {
  const clock = createManualClock(new Date());
  return embeddedDeployment(
    await createHub({ embedConnectors: true, logger: logger(), relayIntervalMs: 200, onConnectorKeyCreated, clock, deadlineCheckIntervalMs: 0 }),
    clock,
  );
});

describe('restarting the embedded hub', () => {
  it('keeps a sent referral and still delivers the hospital’s acceptance, applied once', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'careloop-restart-'));
    const options: HubOptions = {
      dataDir,
      keysDir: join(dataDir, 'keys'),
      connectorKeysDir: join(dataDir, 'connector-keys'),
      embedConnectors: true,
      logger: logger(),
      relayIntervalMs: 200,
      onConnectorKeyCreated,
    };
    try {
      let hub = await createHub(options);
      const sent = await sendReferral(hub);
      await hub.stop();

      hub = await createHub(options);
      const d = embeddedDeployment(hub, { ...systemClock, advance: () => undefined });
      const task = await eventually(
        async () => {
          const read = await d.hospitalConnector(`/fhir/r4/Task/${sent.id}`);
          return read.status === 200 ? ((await read.json()) as Record<string, unknown>) : null;
        },
        { what: 'the Task after restart' },
      );
      const response = await d.hospitalConnector(`/fhir/r4/Task/${sent.id}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/fhir+json' },
        body: JSON.stringify({ ...task, status: 'accepted' }),
      });
      expect(response.status).toBe(202);
      await hub.stop();

      // Stopped again before we looked: the decision waits in the bus log and is applied on the next start.
      hub = await createHub(options);
      const token = await tokenFor(hub.keyRing, SCHOOL, 'psychology-teacher');
      const read = await eventually(
        async () => {
          const r = await gql<{ referral: { state: string; timeline: Array<{ action: string }> } }>(hub.fetch, token, READ, { id: sent.id });
          return r.data?.referral.state === 'ACCEPTED' ? r.data.referral : null;
        },
        { what: 'ACCEPTED after the second restart' },
      );
      expect(read.timeline.map((t) => t.action)).toEqual(['SEND', 'ACCEPT']);
      await hub.stop();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
