import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { createEphemeralDataCipher } from '../../adapters/crypto/data-cipher.js';
import { loadOrCreateKeyRing } from '../../adapters/crypto/key-ring.js';
import { createLogger } from '../../adapters/logging/create-logger.js';
import { startStandaloneConnector } from '../../connectors/standalone-connector.js';
import { SEED_AGENCIES } from '../../core/development-seed.js';
import { createHub, type HubOptions } from '../../gateway/create-hub.js';
import { createAgencyPrincipal } from '../harness/kafka-broker.js';
import { eventually, gql, tokenFor } from '../support/hub-client.js';
import { describeReferralLoop, HOSPITAL, READ, SCHOOL, sendReferral } from './referral-loop.scenarios.js';

const logger = () => createLogger({ name: 'test-hub', level: process.env.TEST_LOG_LEVEL ?? 'silent' });

/** A hub on real Kafka and PostgreSQL, with the hospital and school connectors as separate Kafka clients. */
async function deploy(namespace: string) {
  const keyRing = await loadOrCreateKeyRing({ agencies: SEED_AGENCIES });
  const common = { kafkaBrokers: inject('kafkaBrokers'), kafkaNamespace: namespace, kafkaSasl: inject('kafkaSasl'), keyRing, logger: logger() };
  // One data key ring for both lives of the hub: a restart must open what the first life sealed.
  const hubOptions: HubOptions = {
    ...common,
    cipher: createEphemeralDataCipher(),
    databaseUrl: inject('databaseUrl'),
    embedConnectors: false,
    relayIntervalMs: 200,
  };
  const hub = await createHub(hubOptions);
  const keys = new Map<string, string>();
  const connectorOptions = { ...common, cipher: createEphemeralDataCipher(), onConnectorKeyCreated: (id: string, key: string) => void keys.set(id, key) };
  // Each connector is its own Kafka user with only the ACLs a connector gets (README "Security model").
  const admin = { brokers: inject('kafkaBrokers'), sasl: inject('kafkaSasl') };
  const [hospitalSasl, schoolSasl] = await Promise.all([
    createAgencyPrincipal(admin, { agencyId: HOSPITAL, namespace }),
    createAgencyPrincipal(admin, { agencyId: SCHOOL, namespace }),
  ]);
  const hospital = await startStandaloneConnector({ ...connectorOptions, kafkaSasl: hospitalSasl, agencyId: HOSPITAL });
  const school = await startStandaloneConnector({ ...connectorOptions, kafkaSasl: schoolSasl, agencyId: SCHOOL });
  /** The agency system's view of its connector's API, with its API key. */
  const api =
    (connector: typeof hospital, agencyId: string) =>
    async (path: string, init: RequestInit = {}) =>
      connector.app.fetch(
        new Request(`http://connector${path}`, {
          ...init,
          headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${keys.get(agencyId)}` },
        }),
      );
  return { hub, hubOptions, hospital, school, hospitalApi: api(hospital, HOSPITAL), schoolApi: api(school, SCHOOL) };
}

describeReferralLoop('the referral loop on Kafka and PostgreSQL', async () => {
  const { hub, hospital, school, hospitalApi, schoolApi } = await deploy(`t${randomUUID().slice(0, 8)}.`);
  return {
    hub,
    hospitalConnector: hospitalApi,
    schoolConnector: schoolApi,
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
    const { hub, hubOptions, hospital, school, hospitalApi } = await deploy(`r${randomUUID().slice(0, 8)}.`);
    const sent = await sendReferral(hub);
    await eventually(
      async () => {
        const body = (await (await hospitalApi('/v1/inbox')).json()) as { items: Array<{ payload: { referralId: string } }> };
        return body.items.some((i) => i.payload.referralId === sent.id);
      },
      { what: 'the offer to reach the hospital' },
    );
    await hub.stop();

    const response = await hospitalApi(`/v1/referrals/${sent.id}/decision`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ decision: 'accept', decidedBy: 'dr-lin' }),
    });
    expect(response.status).toBe(202);

    const restarted = await createHub(hubOptions);
    try {
      const token = await tokenFor(restarted.keyRing, SCHOOL, 'psychology-teacher');
      const referral = await eventually(
        async () => {
          const r = await gql<{ referral: { state: string; timeline: Array<{ action: string }> } }>(restarted.fetch, token, READ, { id: sent.id });
          return r.data?.referral.state === 'ACCEPTED' ? r.data.referral : null;
        },
        { what: 'ACCEPTED after restart' },
      );
      expect(referral.timeline.map((t) => t.action)).toEqual(['SEND', 'ACCEPT']);
    } finally {
      await hospital.shutdown();
      await school.shutdown();
      await restarted.stop();
    }
  });
});
