import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { createEphemeralDataCipher } from '../../adapters/crypto/data-cipher.js';
import { loadOrCreateKeyRing } from '../../adapters/crypto/key-ring.js';
import { createLogger } from '../../adapters/logging/create-logger.js';
import { startStandaloneConnector } from '../../connectors/standalone-connector.js';
import { SEED_AGENCIES } from '../../core/development-seed.js';
import { createHub, type HubOptions } from '../../gateway/create-hub.js';
import { createAgencyPrincipal } from '../harness/kafka-broker.js';
import { startPostgresServer } from '../harness/postgres-server.js';
import { eventually, gql, tokenFor } from '../support/hub-client.js';
import { createManualClock } from '../../core/clock.js';
import { CENTRE, describeReferralLoop, HOSPITAL, OTHER_HOSPITAL, READ, SCHOOL, sendReferral } from './referral-loop.scenarios.js';

const logger = () => createLogger({ name: 'test-hub', level: process.env.TEST_LOG_LEVEL ?? 'silent' });

/** A hub on real Kafka and PostgreSQL, with the hospital and school connectors as separate Kafka clients. */
async function deploy(namespace: string, databaseUrl: string = inject('databaseUrl')) {
  const keyRing = await loadOrCreateKeyRing({ agencies: SEED_AGENCIES });
  const clock = createManualClock(new Date());
  const common = { kafkaBrokers: inject('kafkaBrokers'), kafkaNamespace: namespace, kafkaSasl: inject('kafkaSasl'), keyRing, logger: logger(), clock };
  // One data key ring for both lives of the hub: a restart must open what the first life sealed.
  const hubOptions: HubOptions = {
    ...common,
    cipher: createEphemeralDataCipher(),
    databaseUrl,
    embedConnectors: false,
    relayIntervalMs: 200,
    deadlineCheckIntervalMs: 0,
  };
  const hub = await createHub(hubOptions);
  const keys = new Map<string, string>();
  const connectorOptions = { ...common, cipher: createEphemeralDataCipher(), onConnectorKeyCreated: (id: string, key: string) => void keys.set(id, key) };
  // Each connector is its own Kafka user with only the ACLs a connector gets (README "Security model").
  const admin = { brokers: inject('kafkaBrokers'), sasl: inject('kafkaSasl') };
  const [hospitalSasl, otherHospitalSasl, centreSasl, schoolSasl] = await Promise.all([
    createAgencyPrincipal(admin, { agencyId: HOSPITAL, namespace }),
    createAgencyPrincipal(admin, { agencyId: OTHER_HOSPITAL, namespace }),
    createAgencyPrincipal(admin, { agencyId: CENTRE, namespace }),
    createAgencyPrincipal(admin, { agencyId: SCHOOL, namespace }),
  ]);
  const hospital = await startStandaloneConnector({ ...connectorOptions, kafkaSasl: hospitalSasl, agencyId: HOSPITAL });
  const otherHospital = await startStandaloneConnector({ ...connectorOptions, kafkaSasl: otherHospitalSasl, agencyId: OTHER_HOSPITAL });
  const centre = await startStandaloneConnector({ ...connectorOptions, kafkaSasl: centreSasl, agencyId: CENTRE });
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
  return {
    hub,
    hubOptions,
    clock,
    hospital,
    otherHospital,
    centre,
    school,
    hospitalApi: api(hospital, HOSPITAL),
    otherHospitalApi: api(otherHospital, OTHER_HOSPITAL),
    centreApi: api(centre, CENTRE),
    schoolApi: api(school, SCHOOL),
    /** The Task the hospital's system reads once the referral has reached its connector. */
    taskAtHospital: (referralId: string) =>
      eventually(
        async () => {
          const read = await api(hospital, HOSPITAL)(`/fhir/r4/Task/${referralId}`);
          return read.status === 200 ? ((await read.json()) as Record<string, unknown>) : null;
        },
        { what: 'the Task to reach the hospital' },
      ),
    stopConnectors: async () => {
      for (const connector of [hospital, otherHospital, centre, school]) await connector.shutdown();
    },
  };
}

describeReferralLoop('the referral loop on Kafka and PostgreSQL', async () => {
  const { hub, clock, hospitalApi, otherHospitalApi, centreApi, schoolApi, stopConnectors } = await deploy(`t${randomUUID().slice(0, 8)}.`);
  return {
    hub,
    clock,
    hospitalConnector: hospitalApi,
    otherHospitalConnector: otherHospitalApi,
    centreConnector: centreApi,
    schoolConnector: schoolApi,
    count: async (table) => Number((await hub.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`))[0]?.n),
    async stop() {
      await stopConnectors();
      await hub.stop();
    },
  };
});

describe('restarting the hub on Kafka and PostgreSQL', () => {
  it('keeps a sent referral, and an acceptance sent while the hub was down arrives once it is back', async () => {
    const deployment = await deploy(`r${randomUUID().slice(0, 8)}.`);
    const { hub, hubOptions, clock, hospitalApi } = deployment;
    const sent = await sendReferral(hub, { clock });
    const task = await deployment.taskAtHospital(sent.id);
    await hub.stop();

    const response = await hospitalApi(`/fhir/r4/Task/${sent.id}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/fhir+json' },
      body: JSON.stringify({ ...task, status: 'accepted' }),
    });
    expect(response.status).toBe(202);

    const restarted = await createHub(hubOptions);
    try {
      const token = await tokenFor(restarted.keyRing, SCHOOL, 'psychology-teacher', { clock });
      const referral = await eventually(
        async () => {
          const r = await gql<{ referral: { state: string; timeline: Array<{ action: string }> } }>(restarted.fetch, token, READ, { id: sent.id });
          return r.data?.referral.state === 'ACCEPTED' ? r.data.referral : null;
        },
        { what: 'ACCEPTED after restart' },
      );
      expect(referral.timeline.map((t) => t.action)).toEqual(['SEND', 'ACCEPT']);
    } finally {
      await deployment.stopConnectors();
      await restarted.stop();
    }
  });
});

describe('PostgreSQL restarting under the hub on Kafka', () => {
  /** A server of its own: restarting the suite's shared one would cut every other test's connections. */
  it('holds an acceptance that arrives while the store is down and applies it once it is back, instead of dead-lettering it', async () => {
    const server = await startPostgresServer();
    const deployment = await deploy(`p${randomUUID().slice(0, 8)}.`, server.url);
    const { hub, clock, hospitalApi } = deployment;
    try {
      const sent = await sendReferral(hub, { clock });
      const task = await deployment.taskAtHospital(sent.id);
      // The hub's store goes away for longer than the consumer's own retries (~1.5 s) while the acceptance is
      // on its way; the hospital's connector keeps its own store and accepts the update at once.
      const restarting = server.restart(4000);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const response = await hospitalApi(`/fhir/r4/Task/${sent.id}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/fhir+json' },
        body: JSON.stringify({ ...task, status: 'accepted' }),
      });
      expect(response.status).toBe(202);
      await restarting;

      const token = await tokenFor(hub.keyRing, SCHOOL, 'psychology-teacher', { clock });
      const referral = await eventually(
        async () => {
          const r = await gql<{ referral: { state: string; timeline: Array<{ action: string }> } }>(hub.fetch, token, READ, { id: sent.id });
          return r.data?.referral.state === 'ACCEPTED' ? r.data.referral : null;
        },
        { what: 'ACCEPTED once the store is back', timeoutMs: 60_000 },
      );
      expect(referral.timeline.map((t) => t.action)).toEqual(['SEND', 'ACCEPT']);
      expect(await hub.sql.query('SELECT 1 FROM refused_events')).toEqual([]);
    } finally {
      await deployment.stopConnectors();
      await hub.stop();
      await server.stop();
    }
  }, 120_000);
});
