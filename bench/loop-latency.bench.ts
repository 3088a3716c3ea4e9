import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { Kafka, logLevel } from 'kafkajs';
import { createEphemeralDataCipher } from '../adapters/crypto/data-cipher.js';
import { loadOrCreateKeyRing } from '../adapters/crypto/key-ring.js';
import { createLogger } from '../adapters/logging/create-logger.js';
import { startStandaloneConnector } from '../connectors/standalone-connector.js';
import { SEED_AGENCIES } from '../core/development-seed.js';
import type { PolicyEngine } from '../core/ports/policy-engine.js';
import { createHub, type Hub } from '../gateway/create-hub.js';
import { startKafkaBroker } from '../test/harness/kafka-broker.js';
import { gql, tokenFor } from '../test/support/hub-client.js';
import { referralInput } from '../test/support/referral-fixtures.js';
import { summarise } from './stats.js';

/**
 * `npm run bench`: how long one green-channel loop takes, from the school's `createReferral` to the school
 * seeing ACCEPTED, with the hospital's system deciding through its connector. Measured on the embedded bus and
 * on a real Kafka broker in the same run, next to raw kafkajs produce→consume latency on that broker, so the
 * ratios say what the hub adds. Writes bench/results/loop-latency.{json,md}.
 */
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 50);
const WARMUP = 5;
const POLL_MS = 5;
const logger = createLogger({ name: 'bench', level: 'silent' });

type Fetch = (path: string, init?: RequestInit) => Promise<Response>;

async function until<T>(probe: () => Promise<T | undefined>): Promise<T> {
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** A student no referral names yet: a child has at most one open referral. Created outside the timed part. */
async function freshStudent(hub: Hub): Promise<string> {
  const id = `subj-bench-${randomUUID().slice(0, 8)}`;
  await hub.sql.query('INSERT INTO subjects (id, school_agency_id, grade, local_ref) VALUES ($1, $2, 8, $1)', [id, 'school-east']);
  return id;
}

/**
 * One loop: school sends, the hospital EHR polls its connector's FHIR Task search and accepts with a Task update,
 * school polls until ACCEPTED.
 */
async function loop(hub: Hub, hospital: Fetch, schoolToken: string): Promise<number> {
  const subjectId = await freshStudent(hub);
  const started = performance.now();
  const created = await gql<{ createReferral: { id: string } }>(
    hub.fetch,
    schoolToken,
    `mutation($i: CreateReferralInput!) { createReferral(input: $i) { id } }`,
    { i: referralInput({ subjectId, reason: 'benchmark referral' }) },
  );
  const id = created.data!.createReferral.id;
  const task = await until(async () => {
    const body = (await (await hospital('/fhir/r4/Task?owner=hospital-kangning&status=requested&_count=100')).json()) as {
      entry?: Array<{ resource: { id: string } }>;
    };
    return body.entry?.find((e) => e.resource.id === id)?.resource;
  });
  await hospital(`/fhir/r4/Task/${id}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/fhir+json' },
    body: JSON.stringify({ ...task, status: 'accepted' }),
  });
  await until(async () => {
    const r = await gql<{ referral: { state: string } }>(hub.fetch, schoolToken, `query($id: ID!) { referral(id: $id) { state } }`, { id });
    return r.data?.referral.state === 'ACCEPTED' ? true : undefined;
  });
  return performance.now() - started;
}

async function measureLoops(hub: Hub, hospital: Fetch) {
  const token = await tokenFor(hub.keyRing, 'school-east', 'psychology-teacher');
  for (let i = 0; i < WARMUP; i++) await loop(hub, hospital, token);
  const samples: number[] = [];
  for (let i = 0; i < ITERATIONS; i++) samples.push(await loop(hub, hospital, token));
  return summarise(samples);
}

/**
 * What a probe could learn from timing: reading another school's referral (hidden) against reading an id that
 * does not exist (missing), interleaved so both see the same machine state. Both answer the same bytes.
 */
async function measureConcealment(hub: Hub) {
  const owner = await tokenFor(hub.keyRing, 'school-east', 'psychology-teacher');
  const stranger = await tokenFor(hub.keyRing, 'school-west', 'psychology-teacher');
  const created = await gql<{ createReferral: { id: string } }>(hub.fetch, owner, `mutation($i: CreateReferralInput!) { createReferral(input: $i) { id } }`, {
    i: referralInput({ subjectId: await freshStudent(hub), reason: 'benchmark referral' }),
  });
  const read = `query($id: ID!) { referral(id: $id) { id state } }`;
  const hidden: number[] = [];
  const missing: number[] = [];
  const time = async (id: string) => {
    const started = performance.now();
    await gql(hub.fetch, stranger, read, { id });
    return performance.now() - started;
  };
  for (let i = 0; i < WARMUP + ITERATIONS * 4; i++) {
    const [h, m] = [await time(created.data!.createReferral.id), await time(randomUUID())];
    if (i >= WARMUP) {
      hidden.push(h);
      missing.push(m);
    }
  }
  return { hidden: summarise(hidden), missing: summarise(missing) };
}

async function rawKafkaLatency(brokers: string[], sasl: { mechanism: 'scram-sha-256'; username: string; password: string }) {
  const kafka = new Kafka({ clientId: 'bench-raw', brokers, sasl: { ...sasl }, ssl: false, logLevel: logLevel.NOTHING });
  const topic = `bench.raw.${randomUUID()}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const consumer = kafka.consumer({ groupId: `bench-${randomUUID()}` });
  await Promise.all([producer.connect(), consumer.connect()]);
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  const waiting = new Map<string, (t: number) => void>();
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
  await consumer.run({ eachMessage: async ({ message }) => waiting.get(message.value!.toString())?.(performance.now()) });
  await joined;
  const samples: number[] = [];
  for (let i = 0; i < WARMUP + ITERATIONS; i++) {
    const id = randomUUID();
    const arrived = new Promise<number>((resolve) => waiting.set(id, resolve));
    const sent = performance.now();
    await producer.send({ topic, acks: -1, messages: [{ key: id, value: id }] });
    const at = await arrived;
    if (i >= WARMUP) samples.push(at - sent);
  }
  await Promise.all([producer.disconnect(), consumer.disconnect()]);
  return summarise(samples);
}

/**
 * For the side-by-side "without policy" run only: answers every question with "allowed, all fields", so the
 * difference to the real run is what enforcement (wasm evaluation, audit writes) costs. Never used by the hub.
 */
const ALL_FIELDS = [
  'id',
  'code',
  'channel',
  'state',
  'subjectId',
  'reason',
  'assessment',
  'guardianNotice',
  'appointment',
  'treatmentUpdates',
  'followUps',
  'breaches',
  'schoolAgencyId',
  'hospitalAgencyId',
  'createdAt',
  'updatedAt',
  'createdBy',
  'timeline',
  'declineReason',
  'grade',
  'localRef',
];
const noEnforcement: PolicyEngine = { decide: async () => ({ allow: true, conceal: false, fields: ALL_FIELDS, reasons: [] }) };

const broker = await startKafkaBroker();
try {
  const keys = new Map<string, string>();
  const onConnectorKeyCreated = (agencyId: string, key: string) => void keys.set(agencyId, key);
  /** The hospital system's calls, with its connector API key. */
  const asHospital = (init: RequestInit = {}): RequestInit => ({
    ...init,
    headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${keys.get('hospital-kangning')}` },
  });
  const embeddedHub = await createHub({ embedConnectors: true, logger, relayIntervalMs: 1000, onConnectorKeyCreated });
  const embedded = await measureLoops(embeddedHub, async (path, init) =>
    embeddedHub.fetch(new Request(`http://hub/connectors/hospital-kangning${path}`, asHospital(init))),
  );
  const concealment = await measureConcealment(embeddedHub);
  await embeddedHub.stop();

  const unenforcedHub = await createHub({ embedConnectors: true, logger, relayIntervalMs: 1000, policy: noEnforcement, onConnectorKeyCreated });
  const unenforced = await measureLoops(unenforcedHub, async (path, init) =>
    unenforcedHub.fetch(new Request(`http://hub/connectors/hospital-kangning${path}`, asHospital(init))),
  );
  await unenforcedHub.stop();

  const keyRing = await loadOrCreateKeyRing({ agencies: SEED_AGENCIES });
  const namespace = `bench${randomUUID().slice(0, 6)}.`;
  const kafkaHub = await createHub({
    kafkaBrokers: broker.brokers,
    kafkaSasl: broker.sasl,
    kafkaNamespace: namespace,
    keyRing,
    embedConnectors: false,
    logger,
    relayIntervalMs: 1000,
  });
  const hospital = await startStandaloneConnector({
    agencyId: 'hospital-kangning',
    kafkaBrokers: broker.brokers,
    kafkaSasl: broker.sasl,
    kafkaNamespace: namespace,
    keyRing,
    cipher: createEphemeralDataCipher(),
    onConnectorKeyCreated,
    logger,
  });
  const onKafka = await measureLoops(kafkaHub, async (path, init) => hospital.app.fetch(new Request(`http://connector${path}`, asHospital(init))));
  await hospital.shutdown();
  await kafkaHub.stop();

  const raw = await rawKafkaLatency(broker.brokers, broker.sasl);
  const results = {
    measuredAt: new Date().toISOString(),
    machine: { node: process.version, platform: `${process.platform}/${process.arch}` },
    iterations: ITERATIONS,
    warmup: WARMUP,
    pollIntervalMs: POLL_MS,
    unit: 'ms',
    loopEmbeddedBusPglite: embedded,
    loopEmbeddedWithoutPolicyEnforcement: unenforced,
    loopKafkaPglite: onKafka,
    rawKafkajsProduceConsume: raw,
    concealment: concealment,
    ratios: {
      hiddenToMissingReadP50: concealment.hidden.p50 / concealment.missing.p50,
      kafkaLoopToRawKafkaP50: onKafka.p50 / raw.p50,
      kafkaLoopToRawKafkaP99: onKafka.p99 / raw.p99,
      kafkaLoopToEmbeddedLoopP50: onKafka.p50 / embedded.p50,
      embeddedWithPolicyToWithoutP50: embedded.p50 / unenforced.p50,
    },
  };
  const f = (n: number) => n.toFixed(2);
  const markdown = [
    '# Loop latency: referral sent → acceptance visible to the school',
    '',
    `Measured ${results.measuredAt} on ${results.machine.platform}, Node ${results.machine.node}; ${ITERATIONS} iterations after ${WARMUP} warm-up, one run.`,
    `The hospital system and the school poll every ${POLL_MS} ms, the same on both buses. Before the school can see ACCEPTED a loop crosses the bus twice (referral out to the hospital as a FHIR Task, the Task update back in).`,
    '',
    '| measurement | p50 (ms) | p99 (ms) | mean (ms) |',
    '| --- | --- | --- | --- |',
    `| loop, embedded bus + PGlite | ${f(embedded.p50)} | ${f(embedded.p99)} | ${f(embedded.mean)} |`,
    `| loop, embedded bus + PGlite, policy enforcement replaced by allow-all (comparison only) | ${f(unenforced.p50)} | ${f(unenforced.p99)} | ${f(unenforced.mean)} |`,
    `| loop, Kafka + PGlite (hospital connector as a separate Kafka client) | ${f(onKafka.p50)} | ${f(onKafka.p99)} | ${f(onKafka.mean)} |`,
    `| raw kafkajs produce → consume, same broker | ${f(raw.p50)} | ${f(raw.p99)} | ${f(raw.mean)} |`,
    '',
    '',
    "## Concealment: reading another school's referral against reading an id that does not exist",
    '',
    '| measurement | p50 (ms) | p99 (ms) | mean (ms) |',
    '| --- | --- | --- | --- |',
    `| hidden (another school's referral) | ${f(concealment.hidden.p50)} | ${f(concealment.hidden.p99)} | ${f(concealment.hidden.mean)} |`,
    `| missing (no such id) | ${f(concealment.missing.p50)} | ${f(concealment.missing.p99)} | ${f(concealment.missing.mean)} |`,
    '',
    `Both answer the same bytes; hidden / missing p50 = ${f(results.ratios.hiddenToMissingReadP50)}, p50 gap ${f(concealment.hidden.p50 - concealment.missing.p50)} ms.`,
    '',
    `Ratios: Kafka loop / raw Kafka p50 = ${f(results.ratios.kafkaLoopToRawKafkaP50)}, p99 = ${f(results.ratios.kafkaLoopToRawKafkaP99)}; Kafka loop / embedded loop p50 = ${f(results.ratios.kafkaLoopToEmbeddedLoopP50)}; embedded loop with / without policy enforcement p50 = ${f(results.ratios.embeddedWithPolicyToWithoutP50)}.`,
    '',
  ].join('\n');
  await mkdir('bench/results', { recursive: true });
  await writeFile('bench/results/loop-latency.json', `${JSON.stringify(results, null, 2)}\n`);
  await writeFile('bench/results/loop-latency.md', markdown);
  console.log(markdown);
} finally {
  await broker.stop();
}
