import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { loadOrCreateKeyRing } from '../../adapters/crypto/key-ring.js';
import { createLogger } from '../../adapters/logging/create-logger.js';
import { startStandaloneConnector } from '../../connectors/standalone-connector.js';
import { SEED_AGENCIES } from '../../core/development-seed.js';
import { createHub, type HubOptions } from '../../gateway/create-hub.js';
import { eventually, gql, tokenFor } from '../support/hub-client.js';
import { describeReferralLoop, HOSPITAL, READ, SCHOOL, sendReferral } from './referral-loop.scenarios.js';

const logger = () => createLogger({ name: 'test-hub', level: process.env.TEST_LOG_LEVEL ?? 'silent' });

/** A hub on real Kafka and PostgreSQL, with the hospital and school connectors as separate Kafka clients. */
async function deploy(namespace: string) {
  const keyRing = await loadOrCreateKeyRing({ agencies: SEED_AGENCIES });
  const common = { kafkaBrokers: inject('kafkaBrokers'), kafkaNamespace: namespace, keyRing, logger: logger() };
  const hubOptions: HubOptions = { ...common, databaseUrl: inject('databaseUrl'), embedConnectors: false, relayIntervalMs: 200 };
  const hub = await createHub(hubOptions);
  const hospital = await startStandaloneConnector({ ...common, agencyId: HOSPITAL });
  const school = await startStandaloneConnector({ ...common, agencyId: SCHOOL });
  return { hub, hubOptions, hospital, school };
}

describeReferralLoop('the referral loop on Kafka and PostgreSQL', async () => {
  const { hub, hospital, school } = await deploy(`t${randomUUID().slice(0, 8)}.`);
  return {
    hub,
    hospitalConnector: async (path, init) => hospital.app.fetch(new Request(`http://connector${path}`, init)),
    schoolConnector: async (path, init) => school.app.fetch(new Request(`http://connector${path}`, init)),
    count: async (table) => Number((await hub.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`))[0]?.n),
    async stop() {
      await hospital.shutdown();
      await school.shutdown();
      await hub.stop();
    },
  };
});

describe('restarting the hub on Kafka and PostgreSQL', () => {
  it('keeps a sent referral, and an acceptance sent while the hub was down arrives once it is back', async () => {
    const { hub, hubOptions, hospital, school } = await deploy(`r${randomUUID().slice(0, 8)}.`);
    const sent = await sendReferral(hub);
    await eventually(async () => {
      const body = (await (await hospital.app.fetch(new Request('http://connector/v1/inbox'))).json()) as { items: Array<{ payload: { referralId: string } }> };
      return body.items.some((i) => i.payload.referralId === sent.id);
    }, { what: 'the offer to reach the hospital' });
    await hub.stop();

    const response = await hospital.app.fetch(
      new Request(`http://connector/v1/referrals/${sent.id}/decision`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ decision: 'accept', decidedBy: 'dr-lin' }),
      }),
    );
    expect(response.status).toBe(202);

    const restarted = await createHub(hubOptions);
    try {
      const token = await tokenFor(restarted.keyRing, SCHOOL, 'psychology-teacher');
      const referral = await eventually(async () => {
        const r = await gql<{ referral: { state: string; timeline: Array<{ action: string }> } }>(restarted.fetch, token, READ, { id: sent.id });
        return r.data?.referral.state === 'ACCEPTED' ? r.data.referral : null;
      }, { what: 'ACCEPTED after restart' });
      expect(referral.timeline.map((t) => t.action)).toEqual(['SEND', 'ACCEPT']);
    } finally {
      await hospital.shutdown();
      await school.shutdown();
      await restarted.stop();
    }
  });
});
