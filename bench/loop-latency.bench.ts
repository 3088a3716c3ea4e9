import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Bundle, Task } from '@medplum/fhirtypes';
import { Kafka, logLevel } from 'kafkajs';
import { createEphemeralDataCipher } from '../adapters/crypto/data-cipher.js';
import { loadOrCreateKeyRing } from '../adapters/crypto/key-ring.js';
import { createLogger } from '../adapters/logging/create-logger.js';
import { readWorkCounters } from '../adapters/metrics/work-counters.js';
import { startStandaloneConnector } from '../connectors/standalone-connector.js';
import { SEED_AGENCIES } from '../core/development-seed.js';
import type { PolicyEngine } from '../core/ports/policy-engine.js';
import { createHub, type Hub } from '../gateway/create-hub.js';
import { startKafkaBroker } from '../test/harness/kafka-broker.js';
import { gql, tokenFor } from '../test/support/hub-client.js';
import { referralInput } from '../test/support/referral-fixtures.js';
import { describeMachine } from './machine.js';
import { sleep } from './memory.js';
import { summarise, summariseWithP95 } from './stats.js';

/**
 * `npm run bench`: how long one green-channel loop takes, from the school's `createReferral` to the school
 * seeing ACCEPTED, with the hospital's system deciding through its connector. Nothing polls on either agency
 * side: the hospital connector pushes each FHIR Task to the hospital's EHR (a local HTTP server here), which
 * accepts it with a Task update through the connector's FHIR API; the school hears ACCEPTED on a GraphQL
 * subscription over SSE. Measured on the embedded bus and on a real Kafka broker in the same run, next to raw
 * kafkajs produce→consume latency on that broker, so the ratios say what the hub adds. Writes
 * bench/results/loop-latency.{json,md}.
 */
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 50);
const WARMUP = 5;
/** Issue 7's targets. */
const TARGET_EMBEDDED_P50_MS = 15;
const TARGET_KAFKA_TO_RAW_P50 = 4;
const HOSPITAL = 'hospital-kangning';
const logger = createLogger({ name: 'bench', level: 'silent' });

type Fetch = (path: string, init?: RequestInit) => Promise<Response>;

const summary = summariseWithP95;
type Summary = ReturnType<typeof summary>;

/**
 * The hospital's EHR: a loopback HTTP server the connector pushes each Task to (a FHIR `transaction` Bundle, with
 * the configured `Authorization` header). It answers 200 at once and hands each `requested` Task to whoever waits
 * for that referral; a push that comes before anyone waits is kept until asked for.
 */
async function startEhr() {
  const authorization = `Bearer bench-ehr-${randomUUID()}`;
  /** A pushed Task and when its push arrived. */
  type Arrival = { task: Task; at: number };
  const arrived = new Map<string, Arrival>();
  const waiting = new Map<string, (arrival: Arrival) => void>();
  let refused = 0;
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const at = performance.now();
      if (request.method !== 'POST' || request.headers.authorization !== authorization) {
        refused += 1;
        response.writeHead(401).end();
        return;
      }
      response.writeHead(200, { 'content-type': 'application/fhir+json' }).end('{"resourceType":"Bundle","type":"transaction-response"}');
      const bundle = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Bundle;
      const task = bundle.entry?.find((e) => e.resource?.resourceType === 'Task')?.resource as Task | undefined;
      // The Task comes again once it is accepted (the connector pushes every change): only new requests matter.
      if (!task?.id || task.status !== 'requested') return;
      const waiter = waiting.get(task.id);
      if (waiter) {
        waiting.delete(task.id);
        waiter({ task, at });
      } else arrived.set(task.id, { task, at });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    target: { url: `http://127.0.0.1:${port}/fhir/r4`, authorization },
    /** The requested Task of `referralId` and when its push arrived, as soon as it has been pushed. */
    task(referralId: string): Promise<Arrival> {
      const early = arrived.get(referralId);
      if (early) {
        arrived.delete(referralId);
        return Promise.resolve(early);
      }
      return new Promise((resolve) => waiting.set(referralId, resolve));
    },
    refused: () => refused,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
type Ehr = Awaited<ReturnType<typeof startEhr>>;

const WATCH = `subscription($id: ID!) { referralStatusChanged(id: $id) { id state } }`;

/**
 * The school's subscription to one referral over SSE (graphql-yoga's `text/event-stream`), resolving `accepted`
 * with the time the first push reporting ACCEPTED was read. The first push is the state at subscription time.
 */
async function watchReferral(hub: Hub, token: string, id: string) {
  const controller = new AbortController();
  const response = await hub.fetch(
    new Request('http://hub/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: WATCH, variables: { id } }),
      signal: controller.signal,
    }),
  );
  if (response.status !== 200 || !response.body) throw new Error(`subscription refused: HTTP ${response.status}`);
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  const accepted = (async () => {
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error('the subscription ended before ACCEPTED');
      buffer += decoder.decode(value, { stream: true });
      let boundary: number;
      while ((boundary = buffer.indexOf('\n\n')) >= 0) {
        const data = buffer
          .slice(0, boundary)
          .split('\n')
          .filter((l) => l.startsWith('data:'))
          .map((l) => l.slice(5).trim())
          .join('');
        buffer = buffer.slice(boundary + 2);
        if (!data) continue;
        const event = JSON.parse(data) as { data?: { referralStatusChanged?: { state: string } }; errors?: unknown[] };
        if (event.errors) throw new Error(`subscription error: ${JSON.stringify(event.errors)}`);
        if (event.data?.referralStatusChanged?.state === 'ACCEPTED') return performance.now();
      }
    }
  })();
  return {
    accepted,
    async close() {
      controller.abort();
      await reader.cancel().catch(() => undefined);
      await accepted.catch(() => undefined);
    },
  };
}

/** A student no referral names yet: a child has at most one open referral. Created outside the timed part. */
async function freshStudent(hub: Hub): Promise<string> {
  const id = `subj-bench-${randomUUID().slice(0, 8)}`;
  await hub.sql.query('INSERT INTO subjects (id, school_agency_id, grade, local_ref) VALUES ($1, $2, 8, $1)', [id, 'school-east']);
  return id;
}

/** When each step of a loop was done, in ms since the school sent the referral. */
interface Milestones {
  /** `createReferral` answered. */
  answered: number;
  /** The subscription's response began (its first push, the state at that moment, follows). */
  subscribed: number;
  /** The Task's push arrived at the EHR. */
  pushedToEhr: number;
  /** The EHR's Task update answered by the connector. */
  updateAnswered: number;
  /** ACCEPTED read from the subscription: the loop's length. */
  accepted: number;
}

/**
 * One loop: the school sends and subscribes to the referral (its id exists only once `createReferral` answered,
 * so the subscription opens right after; its first push is the state at that moment, so nothing is missed); the
 * connector pushes the Task to the EHR, which accepts with a Task update; the subscription pushes ACCEPTED.
 */
async function loop(hub: Hub, hospital: Fetch, ehr: Ehr, schoolToken: string): Promise<Milestones> {
  const subjectId = await freshStudent(hub);
  const started = performance.now();
  const created = await gql<{ createReferral: { id: string } }>(
    hub.fetch,
    schoolToken,
    `mutation($i: CreateReferralInput!) { createReferral(input: $i) { id } }`,
    { i: referralInput({ subjectId, reason: 'benchmark referral' }) },
  );
  const id = created.data!.createReferral.id;
  const answered = performance.now() - started;
  const watch = await watchReferral(hub, schoolToken, id);
  const subscribed = performance.now() - started;
  try {
    const { task, at } = await ehr.task(id);
    const put = await hospital(`/fhir/r4/Task/${id}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/fhir+json' },
      body: JSON.stringify({ ...task, status: 'accepted' }),
    });
    if (!put.ok) throw new Error(`Task update refused: HTTP ${put.status}`);
    const updateAnswered = performance.now() - started;
    return { answered, subscribed, pushedToEhr: at - started, updateAnswered, accepted: (await watch.accepted) - started };
  } finally {
    await watch.close();
  }
}

async function measureLoops(hub: Hub, hospital: Fetch, ehr: Ehr) {
  const token = await tokenFor(hub.keyRing, 'school-east', 'psychology-teacher');
  for (let i = 0; i < WARMUP; i++) await loop(hub, hospital, ehr, token);
  await sleep(SETTLE_MS);
  const before = await readWorkCounters();
  const loops: Milestones[] = [];
  for (let i = 0; i < ITERATIONS; i++) loops.push(await loop(hub, hospital, ehr, token));
  // The work a loop sets off goes on after the school has seen ACCEPTED (the outbox rows deleted, the inbox items
  // written): counted once it has settled. Process-wide counters: hub, embedded or standalone connector alike.
  await sleep(SETTLE_MS);
  const after = await readWorkCounters();
  const perLoop = (k: keyof typeof before, minus = 0) => (after[k] - before[k] - minus) / ITERATIONS;
  const p50 = (of: (m: Milestones) => number) => summary(loops.map(of)).p50;
  return {
    ...summary(loops.map((m) => m.accepted)),
    stages: {
      answered: p50((m) => m.answered),
      subscribed: p50((m) => m.subscribed),
      pushedToEhr: p50((m) => m.pushedToEhr),
      updateAnswered: p50((m) => m.updateAnswered),
      updateToAccepted: p50((m) => m.accepted - m.updateAnswered),
    },
    // freshStudent's one INSERT a loop is not the loop's.
    work: {
      sqlStatements: perLoop('sqlStatements', ITERATIONS),
      policyDecisions: perLoop('policyDecisions'),
      jwsSigned: perLoop('jwsSigned'),
      jwsVerified: perLoop('jwsVerified'),
    },
  };
}

const SETTLE_MS = 500;
type LoopWork = Awaited<ReturnType<typeof measureLoops>>['work'];

/**
 * Loops on several hubs in turn, one loop each a round (the order reversed every other round), so that the machine's
 * swings, which move a run's p50 by half from one minute to the next, fall on every hub alike: the ratio between
 * them is the one to trust. The runs of `measureLoops`, one hub after the other, give the work each does.
 */
async function measureInterleaved(targets: ReadonlyArray<{ hub: Hub; hospital: Fetch }>, ehr: Ehr): Promise<Summary[]> {
  const tokens = await Promise.all(targets.map((t) => tokenFor(t.hub.keyRing, 'school-east', 'psychology-teacher')));
  const samples = targets.map(() => [] as number[]);
  for (let round = 0; round < WARMUP + ITERATIONS; round++) {
    const order = targets.map((_, k) => k);
    if (round % 2 === 1) order.reverse();
    for (const k of order) {
      const { accepted } = await loop(targets[k]!.hub, targets[k]!.hospital, ehr, tokens[k]!);
      if (round >= WARMUP) samples[k]!.push(accepted);
    }
  }
  return samples.map((s) => summary(s));
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
  return summary(samples);
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
const noEnforcement: PolicyEngine = { decide: async () => ({ allow: true, conceal: false, fields: ALL_FIELDS, reasons: [], basis: 'none', obligations: [] }) };

const broker = await startKafkaBroker();
const ehr = await startEhr();
try {
  const keys = new Map<string, string>();
  const onConnectorKeyCreated = (agencyId: string, key: string) => void keys.set(agencyId, key);
  /**
   * The hospital system's calls, with its connector API key: by default the one the latest hub made; two embedded
   * hubs are alive at once below, each with its own key, so a call may name the key it takes.
   */
  const asHospital = (init: RequestInit = {}, key = keys.get(HOSPITAL)): RequestInit => ({
    ...init,
    headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${key}` },
  });
  /** The hospital system's calls to an embedded hub's connector, with the key that hub made (the latest one so far). */
  const hospitalVia = (hub: Hub): Fetch => {
    const key = keys.get(HOSPITAL);
    return async (path, init) => hub.fetch(new Request(`http://hub/connectors/${HOSPITAL}${path}`, asHospital(init, key)));
  };
  /** Every deployment pushes the hospital's Tasks to the same EHR (default pacing: the nudge after each event). */
  const fhirPush = { [HOSPITAL]: ehr.target };
  const embeddedHub = await createHub({ embedConnectors: true, logger, relayIntervalMs: 1000, onConnectorKeyCreated, fhirPush });
  const embeddedHospital = hospitalVia(embeddedHub);
  const embedded = await measureLoops(embeddedHub, embeddedHospital, ehr);
  const concealment = await measureConcealment(embeddedHub);

  const unenforcedHub = await createHub({ embedConnectors: true, logger, relayIntervalMs: 1000, policy: noEnforcement, onConnectorKeyCreated, fhirPush });
  const unenforcedHospital = hospitalVia(unenforcedHub);
  const unenforced = await measureLoops(unenforcedHub, unenforcedHospital, ehr);
  const [enforcedInTurn, unenforcedInTurn] = (await measureInterleaved(
    [
      { hub: embeddedHub, hospital: embeddedHospital },
      { hub: unenforcedHub, hospital: unenforcedHospital },
    ],
    ehr,
  )) as [Summary, Summary];
  await embeddedHub.stop();
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
  // The standalone connector takes the same push target as the embedded one (scripts/start-connector.ts).
  const hospital = await startStandaloneConnector({
    agencyId: HOSPITAL,
    kafkaBrokers: broker.brokers,
    kafkaSasl: broker.sasl,
    kafkaNamespace: namespace,
    keyRing,
    cipher: createEphemeralDataCipher(),
    onConnectorKeyCreated,
    fhirPush: ehr.target,
    logger,
  });
  const onKafka = await measureLoops(kafkaHub, async (path, init) => hospital.app.fetch(new Request(`http://connector${path}`, asHospital(init))), ehr);
  await hospital.shutdown();
  await kafkaHub.stop();
  if (ehr.refused() > 0) throw new Error(`the EHR refused ${ehr.refused()} pushes (wrong method or credential)`);

  const raw = await rawKafkaLatency(broker.brokers, broker.sasl);
  const results = {
    measuredAt: new Date().toISOString(),
    machine: describeMachine(false),
    iterations: ITERATIONS,
    warmup: WARMUP,
    delivery: {
      hospital: 'push: the connector POSTs each changed Task as a FHIR transaction Bundle to the EHR (loopback HTTP), embedded and standalone alike',
      school: 'push: GraphQL subscription referralStatusChanged over SSE, opened right after createReferral answers',
      polling: 'none on either agency side',
    },
    targets: { embeddedLoopP50Ms: TARGET_EMBEDDED_P50_MS, kafkaLoopToRawKafkaP50: TARGET_KAFKA_TO_RAW_P50 },
    unit: 'ms',
    loopEmbeddedBusPglite: embedded,
    loopEmbeddedWithoutPolicyEnforcement: unenforced,
    inTurn: { enforced: enforcedInTurn, allowAll: unenforcedInTurn },
    loopKafkaPglite: onKafka,
    rawKafkajsProduceConsume: raw,
    concealment: concealment,
    ratios: {
      hiddenToMissingReadP50: concealment.hidden.p50 / concealment.missing.p50,
      kafkaLoopToRawKafkaP50: onKafka.p50 / raw.p50,
      kafkaLoopToRawKafkaP95: onKafka.p95 / raw.p95,
      kafkaLoopToRawKafkaP99: onKafka.p99 / raw.p99,
      kafkaLoopToEmbeddedLoopP50: onKafka.p50 / embedded.p50,
      embeddedWithPolicyToWithoutP50: embedded.p50 / unenforced.p50,
      embeddedWithPolicyToWithoutInTurnP50: enforcedInTurn.p50 / unenforcedInTurn.p50,
      embeddedWithPolicyToWithoutInTurnMean: enforcedInTurn.mean / unenforcedInTurn.mean,
    },
  };
  const f = (n: number) => n.toFixed(2);
  const row = (name: string, s: Summary) => `| ${name} | ${f(s.p50)} | ${f(s.p95)} | ${f(s.p99)} | ${f(s.mean)} |`;
  const met = (ok: boolean) => (ok ? 'met' : 'not met');
  const stageRow = (name: string, l: typeof embedded) =>
    `| ${name} | ${f(l.stages.answered)} | ${f(l.stages.subscribed)} | ${f(l.stages.pushedToEhr)} | ${f(l.stages.updateAnswered)} | ${f(l.p50)} | ${f(l.stages.updateToAccepted)} |`;
  const workRow = (name: string, w: LoopWork) =>
    `| ${name} | ${w.sqlStatements.toFixed(1)} | ${w.policyDecisions.toFixed(1)} | ${w.jwsSigned.toFixed(1)} | ${w.jwsVerified.toFixed(1)} |`;
  const markdown = [
    '# Loop latency: referral sent → acceptance visible to the school',
    '',
    `Measured ${results.measuredAt} on ${results.machine.platform}, ${results.machine.cpus} × ${results.machine.cpuModel}, Node ${results.machine.node}; speed probe ${results.machine.speedProbeMs.toFixed(1)} ms (a fixed CPU workload, \`bench/machine.ts\`; lower is faster; this machine's speed swings up to 2× from day to day); ${ITERATIONS} iterations after ${WARMUP} warm-up, one run.`,
    'Before the school can see ACCEPTED a loop crosses the bus twice (referral out to the hospital as a FHIR Task, the Task update back in).',
    '',
    'What is pushed, what polls:',
    '',
    "- Hospital side, pushed: the hospital connector POSTs each Task it changes as a FHIR `transaction` Bundle to the hospital's EHR (here a loopback HTTP server checking the configured `Authorization` header), nudged right after the connector applies the event. The EHR accepts with a Task `PUT` through the connector's FHIR API. Same on both buses: the standalone connector of the Kafka deployment takes the same `fhirPush` target.",
    "- School side, pushed: a `referralStatusChanged(id)` GraphQL subscription over SSE. It needs the referral's id, which exists only once `createReferral` has answered, so it is opened right after that (inside the timed part); its first push is the state at that moment, so an acceptance that came first is not missed.",
    '- Nothing polls on either agency side. Inside the hub nothing is polled on this path either: the outbox relay is nudged on commit, the embedded bus wakes its consumers on publish, subscriptions hear PostgreSQL NOTIFY; their timers (relay 1 s, embedded bus 1 s, FHIR push 5 s) are only safety nets. Kafka consumers fetch from the broker as kafkajs does, as in the raw baseline.',
    '',
    '| measurement | p50 (ms) | p95 (ms) | p99 (ms) | mean (ms) |',
    '| --- | --- | --- | --- | --- |',
    row('loop, embedded bus + PGlite', embedded),
    row('loop, embedded bus + PGlite, policy enforcement replaced by allow-all (comparison only)', unenforced),
    row('loop, embedded, enforced and allow-all hubs taken in turn: enforced', enforcedInTurn),
    row('loop, embedded, enforced and allow-all hubs taken in turn: allow-all', unenforcedInTurn),
    row('loop, Kafka + PGlite (hospital connector as a separate Kafka client)', onKafka),
    row('raw kafkajs produce → consume, same broker', raw),
    '',
    'Work per loop (process-wide counters, adapters/metrics/work-counters.ts, over the measured loops once their trailing work settled; the safety-net timers add a few statements to the whole run):',
    '',
    '| deployment | SQL statements | policy decisions | JWS signed | JWS verified |',
    '| --- | --- | --- | --- | --- |',
    workRow('embedded bus + PGlite', embedded.work),
    workRow('embedded, allow-all policy', unenforced.work),
    workRow('Kafka + PGlite (hub and standalone connector)', onKafka.work),
    '',
    "Where a loop's time goes: each step's p50, in ms since the school sent the referral (the steps overlap: the Task reaches the EHR while the school's answer and subscription are still being served, all on the hub's one thread; the last column is the hub's inbound path, from the Task update answered to ACCEPTED read by the school):",
    '',
    '| deployment | createReferral answered | subscription open | Task pushed to the EHR | Task update answered | ACCEPTED read | update answered → ACCEPTED |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    stageRow('embedded bus + PGlite', embedded),
    stageRow('Kafka + PGlite', onKafka),
    '',
    `Targets (issue 7): embedded loop p50 ≤ ${TARGET_EMBEDDED_P50_MS} ms: ${met(embedded.p50 <= TARGET_EMBEDDED_P50_MS)} (${f(embedded.p50)} ms); Kafka loop p50 ≤ ${TARGET_KAFKA_TO_RAW_P50} × raw kafkajs p50: ${met(results.ratios.kafkaLoopToRawKafkaP50 <= TARGET_KAFKA_TO_RAW_P50)} (${f(results.ratios.kafkaLoopToRawKafkaP50)} ×).`,
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
    `Ratios: Kafka loop / raw Kafka p50 = ${f(results.ratios.kafkaLoopToRawKafkaP50)}, p95 = ${f(results.ratios.kafkaLoopToRawKafkaP95)}, p99 = ${f(results.ratios.kafkaLoopToRawKafkaP99)}; Kafka loop / embedded loop p50 = ${f(results.ratios.kafkaLoopToEmbeddedLoopP50)}; embedded loop with / without policy enforcement p50 = ${f(results.ratios.embeddedWithPolicyToWithoutP50)} one after the other, ${f(results.ratios.embeddedWithPolicyToWithoutInTurnP50)} taken in turn (mean ${f(results.ratios.embeddedWithPolicyToWithoutInTurnMean)}; ${ITERATIONS} loops each, one loop on each hub a round, the order reversed every other round: the ratio to trust, since this machine's speed moves a run's p50 by half from one minute to the next).`,
    '',
  ].join('\n');
  await mkdir('bench/results', { recursive: true });
  await writeFile('bench/results/loop-latency.json', `${JSON.stringify(results, null, 2)}\n`);
  await writeFile('bench/results/loop-latency.md', markdown);
  console.log(markdown);
} finally {
  await ehr.close();
  await broker.stop();
}
