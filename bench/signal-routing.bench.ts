import { gc, mb, settledMemory, sleep } from './memory.js';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundle } from '../scripts/build.mjs';
import { startFlags } from '../scripts/start-flags.mjs';
import { loadConfig } from '../gateway/config.js';
import { resolveDeployment } from '../gateway/deployment.js';
import { createEnvelopeSealer, encryptionKeyOf } from '../adapters/crypto/envelope.js';
import type { KeyRing } from '../adapters/crypto/key-ring.js';
import { createLogger } from '../adapters/logging/create-logger.js';
import { createSignedEvent } from '../adapters/messaging/signed-event.js';
import { HUB_AGENCY_ID } from '../core/development-seed.js';
import { residentIdCheckCharacter } from '../core/enrolment/resident-id.js';
import { SIGNAL_EVENT_TYPES, SIGNAL_IDENTITY_PURPOSE, SIGNAL_NOTE_PURPOSE } from '../core/signal/signal-events.js';
import { TOPICS } from '../core/messages/topics.js';
import type { EventBus, OutgoingMessage } from '../core/ports/event-bus.js';
import { createKafkaEventBus } from '../adapters/bus/kafka-event-bus.js';
import { batchItemOf, signalBatchEvent } from '../connectors/public-safety/public-safety-connector.js';
import { signalRequest } from '../connectors/public-safety/signal-api.js';
import type { Hub } from '../gateway/create-hub.js';
import { createBenchHub } from './bench-hub.js';
import { DEFAULT_INBOUND_CONCURRENCY } from '../gateway/hub-inbound.js';
import { startKafkaBroker, type KafkaAccess, type KafkaBroker, type KafkaSasl } from '../test/harness/kafka-broker.js';
import { createDatabase, startPostgresServer } from '../test/harness/postgres-server.js';
import { describeMachine, speedProbeMs } from './machine.js';
import { summariseWithP95 } from './stats.js';

/**
 * `npm run bench` (or `BENCH_ONLY=signal-routing npm run bench`): issue 10's performance goal, police signals routed
 * to the child's school. A hub on each of BENCH_SIGNAL_DEPLOYMENTS in turn, each in a fresh process (the embedded
 * bus with PGlite in memory, a real Kafka broker with PGlite, a Kafka broker with a PostgreSQL server) enrols BENCH_SIGNAL_CHILDREN children at
 * school-east through the school connector. Embedded, the connectors live in the hub's process and are called
 * through its fetch handler; on Kafka they run as their own processes (an esbuild bundle of
 * bench/standalone-connector-run.ts each, as `npm run start:connector` runs them in production) and are called over
 * HTTP on loopback, unless BENCH_SIGNAL_CONNECTORS=embedded. Then the police system sends signals about them two ways, side by side in one run: BENCH_SIGNALS one
 * at a time to `POST /connectors/police-haishu/v1/signals` with BENCH_SIGNAL_CONCURRENCY requests in flight, and
 * BENCH_BATCHED_SIGNALS in batches of BENCH_SIGNAL_BATCH to `POST .../v1/signals/batch` with
 * BENCH_SIGNAL_BATCH_CONCURRENCY in flight (a police system's export). At a steady pace too, for the routing latency
 * under a load the deployment bears: one at a time (BENCH_SIGNAL_PACED) and in small batches
 * (BENCH_SIGNAL_PACED_BATCHED). On Kafka, with the connectors paused, the hub drains a backlog of BENCH_SIGNAL_BACKLOG
 * signals BENCH_SIGNAL_BACKLOG_RUNS times (what one hub instance carries; the throughput goal is judged on the median).
 * Per signal: sent, the connector's 202, the hub's `received_at`
 * (its handler ran, also `routed_at` for an enrolled child) and when the routed row was first seen by polling
 * `signals`. Besides, the crypto a signal sent alone costs, timed on its own. Memory is taken around the batched
 * run, with the CPU time of the hub's process (and of the connectors' processes). Writes
 * bench/results/signal-routing.{json,md}.
 */
const SIGNALS = Number(process.env.BENCH_SIGNALS ?? 2000);
/** Signals sent in batches (`POST .../v1/signals/batch`): how a police system's export arrives. */
const BATCHED_SIGNALS = Number(process.env.BENCH_BATCHED_SIGNALS ?? 20_000);
/** Signals in the backlog the hub drains with the connectors paused (Kafka deployments, connectors apart; 0: none). */
const BACKLOG_SIGNALS = Number(process.env.BENCH_SIGNAL_BACKLOG ?? 20_000);
/**
 * How many times that backlog is drained, one after the other: this machine's speed swings by a third from one
 * drain to the next (the same code drained 4,180-7,437 signals/s in one morning), so the goal is judged on the median.
 */
const BACKLOG_RUNS = Math.max(1, Number(process.env.BENCH_SIGNAL_BACKLOG_RUNS ?? 3));
const BATCH = Number(process.env.BENCH_SIGNAL_BATCH ?? 500);
const BATCH_CONCURRENCY = Number(process.env.BENCH_SIGNAL_BATCH_CONCURRENCY ?? 4);
const CHILDREN = Number(process.env.BENCH_SIGNAL_CHILDREN ?? 2000);
/** On Kafka: `separate` runs the school and police connectors as their own processes (as production does), `embedded` in the hub's. */
const CONNECTORS = process.env.BENCH_SIGNAL_CONNECTORS === 'embedded' ? 'embedded' : 'separate';
/** On Kafka, partitions of the hub's inbound topic applied at once; unset: the hub's default. */
const INBOUND_CONCURRENCY = Number(process.env.BENCH_SIGNAL_INBOUND_CONCURRENCY ?? 0);
const CONCURRENCY = Number(process.env.BENCH_SIGNAL_CONCURRENCY ?? 32);
/** Signals sent one at a time at a steady pace, well below what the deployment carries: routing latency under a load it bears. */
const PACED_SIGNALS = Number(process.env.BENCH_SIGNAL_PACED ?? 300);
const PACED_PER_SECOND = Number(process.env.BENCH_SIGNAL_PACED_RATE ?? 20);
/**
 * Signals sent in batches at a steady pace, a bureau's system streaming its cases as they come: BENCH_SIGNAL_PACED_BATCHED
 * signals in batches of BENCH_SIGNAL_PACED_BATCH at BENCH_SIGNAL_PACED_BATCH_RATE signals a second (0: none).
 */
const PACED_BATCHED_SIGNALS = Number(process.env.BENCH_SIGNAL_PACED_BATCHED ?? 10_000);
const PACED_BATCH = Number(process.env.BENCH_SIGNAL_PACED_BATCH ?? 100);
const PACED_BATCH_PER_SECOND = Number(process.env.BENCH_SIGNAL_PACED_BATCH_RATE ?? 1000);
type Deployment = 'embedded' | 'kafka' | 'kafka-postgresql';
const DEPLOYMENTS = (process.env.BENCH_SIGNAL_DEPLOYMENTS ?? 'embedded,kafka,kafka-postgresql').split(',').filter(Boolean) as Deployment[];
const DEPLOYMENT_NAMES: Record<Deployment, string> = {
  embedded: 'Embedded bus + PGlite',
  kafka: 'Kafka + PGlite',
  'kafka-postgresql': 'Kafka + PostgreSQL',
};
// A misspelt deployment would otherwise run as Kafka + PGlite under no name.
const unknownDeployments = DEPLOYMENTS.filter((d) => !(d in DEPLOYMENT_NAMES));
if (unknownDeployments.length > 0)
  throw new Error(`BENCH_SIGNAL_DEPLOYMENTS names ${unknownDeployments.join(', ')}; known: ${Object.keys(DEPLOYMENT_NAMES).join(', ')}`);
const WARMUP = 100;
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CONNECTOR_RUNNER = fileURLToPath(new URL('../.cache/bench/standalone-connector-run.mjs', import.meta.url));
/** How often the routed rows are polled: the resolution of "stored". */
const POLL_MS = 10;
/** In batches, rows arrive 500 at a time and each poll re-reads its overlap: polled less often, so as not to load the store. */
const BATCH_POLL_MS = 25;
/** Rows committed a little out of order (Kafka partitions) are still picked up: each poll looks this far back. */
const POLL_OVERLAP_MS = 250;
/** Every this many polls, one reads the whole overlap again (see the poller). */
const POLL_FULL_EVERY = 8;
/** Once sending is done, after this long without a new row each poll reads the whole run (see the poller). */
const POLL_STALLED_MS = 2_000;
const CRYPTO_SAMPLES = 300;
const ENROL_BATCH = 500;
const SCHOOL = 'school-east';
const POLICE = 'police-haishu';
/** Issue 10's goals. */
const TARGET_SIGNALS_PER_SECOND = 5000;
const TARGET_ROUTING_P99_MS = 50;
const NOTE = 'Posted about self-harm on a video platform late at night; account traced to the family address.';
const logger = createLogger({ name: 'bench', level: 'silent' });
const studentNumber = (k: number) => `BSIG-${String(k).padStart(6, '0')}`;

/**
 * The k-th invented resident identity number, unique for every k below 1,826,000: region 330203, a birth date
 * walking through 2012-2016 and a sequence that moves on once every date has been used.
 */
function residentId(k: number): string {
  const born = new Date(Date.UTC(2012, 0, 1) + (k % 1826) * 86_400_000);
  const sequence = 100 + (Math.floor(k / 1826) % 900);
  const body = `330203${born.toISOString().slice(0, 10).replaceAll('-', '')}${sequence}`;
  return body + residentIdCheckCharacter(body);
}

const summary = summariseWithP95;
type Summary = ReturnType<typeof summary>;

/** How the bench reaches one agency's connector API: `path` is the connector's own (`/v1/signals`). */
type Door = (path: string, body: unknown) => Promise<Response>;

const request = (url: string, key: string, body: unknown) =>
  new Request(url, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** A connector embedded in the hub, through the hub's fetch handler (no socket). */
const embeddedDoor =
  (hub: Hub, agencyId: string, key: string): Door =>
  (path, body) =>
    Promise.resolve(hub.fetch(request(`http://hub/connectors/${agencyId}${path}`, key, body)));

/** A connector in its own process, over HTTP on loopback. */
const processDoor =
  (port: number, key: string): Door =>
  (path, body) =>
    fetch(request(`http://127.0.0.1:${port}${path}`, key, body));

/** Enrols every child through the school connector, 500 a call, and waits until the hub has them all (not timed in the results). */
async function enrol(hub: Hub, school: Door) {
  const on = new Date().toISOString().slice(0, 10);
  for (let from = 0; from < CHILDREN; from += ENROL_BATCH) {
    const changes = Array.from({ length: Math.min(ENROL_BATCH, CHILDREN - from) }, (_, j) => ({
      studentNumber: studentNumber(from + j),
      residentId: residentId(from + j),
      change: 'ENROLLED',
      grade: 8,
      classRef: '8-1',
      on,
    }));
    const response = await school('/v1/enrolments', { changes });
    const answer = (await response.json()) as { accepted?: number; rejected?: unknown[] };
    if (response.status !== 202 || answer.accepted !== changes.length) throw new Error(`Enrolment refused: ${response.status} ${JSON.stringify(answer)}`);
  }
  const deadline = Date.now() + 300_000;
  for (;;) {
    const [row] = await hub.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM subjects WHERE school_agency_id = $1 AND local_ref LIKE 'BSIG-%'`, [
      SCHOOL,
    ]);
    if (Number(row?.n) >= CHILDREN) return;
    if (Date.now() > deadline) throw new Error(`Only ${row?.n} of ${CHILDREN} children were enrolled.`);
    await sleep(50);
  }
}

/**
 * Sends `count` signals with `CONCURRENCY` in flight and polls `signals` until every one is stored routed. Times
 * are wall-clock milliseconds (performance.now() anchored to Date.now() once), comparable with the hub's
 * `received_at`, which comes from the same process's clock.
 */
async function sendSignals(
  hub: Hub,
  police: Door,
  prefix: string,
  count: number,
  onPoll: () => void = () => undefined,
  batching: { size: number; concurrency: number; backlog?: Backlog } | null = null,
  pacedPerSecond = 0,
) {
  const anchor = Date.now() - performance.now();
  const now = () => anchor + performance.now();
  const sent = new Float64Array(count);
  const answered = new Float64Array(count);
  const index = new Map<string, number>();
  const stored = new Map<number, { received: number; routed: number | null; seen: number }>();
  const sourceId = (i: number) => `${prefix}-${String(i).padStart(7, '0')}`;
  const observedAt = new Date(Date.now() - 3600_000).toISOString();
  let firstSent = NaN;
  let next = 0;
  let sending = true;
  let missedByCursor = 0;

  const poller = (async () => {
    let cursor = 0;
    let polls = 0;
    // Receipt times whose rows were seen. A transaction's signals share its receipt time and commit together, so a
    // poll leaves those times out rather than ship the overlap's rows to this process again on every poll (the rows
    // are still read inside PostgreSQL). Every POLL_FULL_EVERY-th poll reads the whole overlap, for a second
    // transaction that started in the same millisecond and committed later; one that committed after the overlap
    // had passed it is found once sending is done and nothing new has come for POLL_STALLED_MS (its latency then
    // shows it).
    const seenTimes = new Set<number>();
    // Nothing of this run was received before it began: earlier runs' rows stay out of the window.
    const began = Date.now();
    const deadline = () => Date.now() + 600_000;
    let giveUpAt = deadline();
    let lastFresh = Date.now();
    while (stored.size < count) {
      // Sending done and nothing new for a while: read the whole run once more, for a row the overlap passed by.
      const stalled = !sending && Date.now() - lastFresh > POLL_STALLED_MS;
      const from = stalled ? began : Math.max(began, cursor - POLL_OVERLAP_MS);
      for (const t of seenTimes) if (t < from) seenTimes.delete(t);
      const skip = ++polls % POLL_FULL_EVERY === 0 || stalled ? [] : [...seenTimes].map((t) => new Date(t));
      // Times as epoch milliseconds: parsing timestamps of every row polled was the bench's largest cost in the hub's
      // process. By receipt time alone, bounded on both sides, so that PostgreSQL plans an index range scan even
      // before it has statistics: asked for the bureau and the run's prefix too, it scanned every row of the prefix
      // on every poll, a quarter of its time during a batched run. Rows of other runs are not in `index`.
      const rows = await hub.sql.query<{ source_id: string; received_ms: number; routed_ms: number | null }>(
        `SELECT source_id, (extract(epoch FROM received_at) * 1000)::float8 AS received_ms, (extract(epoch FROM routed_at) * 1000)::float8 AS routed_ms
           FROM signals WHERE received_at >= $1 AND received_at < $2 AND received_at <> ALL($3::timestamptz[])`,
        [new Date(from), new Date(Date.now() + 86_400_000), skip],
      );
      const seen = now();
      let fresh = 0;
      for (const r of rows) {
        const i = index.get(r.source_id);
        const received = Number(r.received_ms);
        seenTimes.add(received);
        if (i === undefined || stored.has(i)) continue;
        fresh++;
        stored.set(i, { received, routed: r.routed_ms == null ? null : Number(r.routed_ms), seen });
        cursor = Math.max(cursor, received);
      }
      onPoll();
      if (stored.size < count) {
        if (!sending && Date.now() > giveUpAt) throw new Error(`Only ${stored.size} of ${count} signals were stored.`);
        if (fresh > 0) {
          giveUpAt = deadline();
          lastFresh = Date.now();
        }
        // At a steady pace as often as one at a time: the latency is the point there, not the throughput.
        await sleep(batching && !pacedPerSecond ? BATCH_POLL_MS : POLL_MS);
      }
    }
  })();

  const signalBody = (i: number): SignalBody => {
    const id = sourceId(i);
    index.set(id, i);
    const k = i % CHILDREN;
    return {
      sourceId: id,
      category: 'ONLINE_SELF_HARM_RISK',
      severity: 'HIGH',
      observedAt,
      officer: 'PC-1',
      note: NOTE,
      child: { residentId: residentId(k), localId: `HZ-${k}` },
    };
  };
  const sendOne = async (i: number) => {
    const body = signalBody(i);
    sent[i] = now();
    if (Number.isNaN(firstSent)) firstSent = sent[i]!;
    const response = await police('/v1/signals', body);
    answered[i] = now();
    if (response.status !== 202) throw new Error(`Signal ${body.sourceId} refused: ${response.status} ${await response.text()}`);
    await response.body?.cancel();
  };
  const worker = async () => {
    while (next < count) await sendOne(next++);
  };
  const bodies = (from: number, to: number) => Array.from({ length: to - from }, (_, j) => signalBody(from + j));
  const sendBatch = async (from: number, to: number) => {
    const signals = bodies(from, to);
    const at = now();
    if (Number.isNaN(firstSent)) firstSent = at;
    const response = await police('/v1/signals/batch', { signals });
    const done = now();
    const answer = (await response.json()) as { accepted?: number };
    if (response.status !== 202 || answer.accepted !== signals.length) throw new Error(`Batch refused: ${response.status} ${JSON.stringify(answer)}`);
    for (let i = from; i < to; i++) {
      sent[i] = at;
      answered[i] = done;
    }
  };
  const batchWorker = async () => {
    while (next < count) {
      const from = next;
      next = Math.min(count, from + batching!.size);
      await sendBatch(from, next);
    }
  };
  // Open loop: each send (a signal, or a batch of `size`) leaves at its time whatever the ones before it are doing,
  // as a police system sends them, so that the signals arrive at the pace asked.
  const pacedRun = async (size: number, send: (from: number, to: number) => Promise<void>) => {
    const start = performance.now();
    const inFlight: Array<Promise<void>> = [];
    // A holder: set from the sends' callbacks, which control-flow narrowing does not see.
    const outcome: { failed: Error | null } = { failed: null };
    for (let from = 0; from < count && outcome.failed === null; from += size) {
      const wait = start + (from * 1000) / pacedPerSecond - performance.now();
      if (wait > 0) await sleep(wait);
      // Caught at once: a refusal must end the run with its reason, not as an unhandled rejection while this sleeps.
      inFlight.push(
        send(from, Math.min(count, from + size)).catch((error: unknown) => void (outcome.failed ??= error instanceof Error ? error : new Error(String(error)))),
      );
    }
    await Promise.all(inFlight);
    if (outcome.failed) throw outcome.failed;
  };
  // A backlog: every batch sealed and signed first (untimed), then all published at once; sent = published.
  const backlogRun = async (backlog: Backlog) => {
    const batches: SignalBody[][] = [];
    for (let from = 0; from < count; from += batching!.size) batches.push(bodies(from, Math.min(count, from + batching!.size)));
    const events = await backlog.prepare(batches);
    backlog.beforePublish?.();
    firstSent = now();
    await backlog.publish(events);
    sent.fill(firstSent);
    answered.fill(now());
  };
  if (batching?.backlog) await backlogRun(batching.backlog);
  else if (pacedPerSecond > 0) await (batching ? pacedRun(batching.size, sendBatch) : pacedRun(1, (i) => sendOne(i)));
  else await Promise.all(batching ? Array.from({ length: batching.concurrency }, batchWorker) : Array.from({ length: CONCURRENCY }, worker));
  sending = false;
  const lastAnswered = Math.max(...answered);
  await poller;

  // Anything the cursor might have skipped would show up as a count mismatch here.
  const [total] = await hub.sql.query<{ n: number; routed: number }>(
    `SELECT count(*)::int AS n, count(*) FILTER (WHERE state = 'ROUTED')::int AS routed FROM signals WHERE police_agency_id = $1 AND source_id LIKE $2`,
    [POLICE, `${prefix}-%`],
  );
  missedByCursor = Number(total?.n) - stored.size;

  const connector: number[] = [];
  const sentToReceived: number[] = [];
  const answeredToReceived: number[] = [];
  const receivedToSeen: number[] = [];
  const endToEnd: number[] = [];
  let lastSeen = 0;
  let firstReceived = Infinity;
  let lastReceived = 0;
  let routedAtReceipt = 0;
  for (let i = 0; i < count; i++) {
    const s = stored.get(i)!;
    connector.push(answered[i]! - sent[i]!);
    sentToReceived.push(s.received - sent[i]!);
    answeredToReceived.push(s.received - answered[i]!);
    receivedToSeen.push(s.seen - s.received);
    endToEnd.push(s.seen - sent[i]!);
    lastSeen = Math.max(lastSeen, s.seen);
    firstReceived = Math.min(firstReceived, s.received);
    lastReceived = Math.max(lastReceived, s.received);
    if (s.routed === s.received) routedAtReceipt++;
  }
  const seconds = (lastSeen - firstSent) / 1000;
  return {
    count,
    seconds,
    throughput: {
      endToEndSignalsPerSecond: count / seconds,
      connectorAnswersPerSecond: count / ((lastAnswered - firstSent) / 1000),
      // Signals taken in before the last receipt, over the span: a batch's signals share one receipt time, so counting
      // the last batch too would credit its 500 to the span before it.
      hubIntakeSignalsPerSecond: [...stored.values()].filter((s) => s.received < lastReceived).length / ((lastReceived - firstReceived) / 1000),
    },
    latencyMs: {
      connectorSendTo202: summary(connector),
      sendToHubReceived: summary(sentToReceived),
      connector202ToHubReceived: summary(answeredToReceived),
      hubReceivedToStoredSeen: summary(receivedToSeen),
      endToEndSendToStoredSeen: summary(endToEnd),
    },
    checks: { stored: stored.size, inTable: Number(total?.n), routed: Number(total?.routed), routedAtReceipt, missedByCursor },
  };
}

/**
 * What the batched run cost in CPU: the hub's process (with the bench's own client and polls, so an upper bound of
 * the hub's share), the connectors' processes when they run apart, PostgreSQL's and the broker's, and the machine's.
 * `signalsPerHubCoreSecond` is how many signals one core spends on the hub at that cost: the rate a hub instance given
 * a whole core would carry. `machineSignalsPerSecond` is the rate this machine's cores would carry, all busy, at
 * what the whole deployment spent a signal: near the measured rate when the run kept the machine busy.
 */
function cpuOf(before: ReturnType<typeof cpuMs>, after: ReturnType<typeof cpuMs>, seconds: number, separate: boolean, signals = BATCHED_SIGNALS) {
  const perThousand = (ms: number) => (ms / signals) * 1000;
  const hubMs = after.hub - before.hub;
  const machineMs = after.machine - before.machine;
  return {
    hubMs,
    hubCoreShare: hubMs / (seconds * 1000),
    hubMsPerThousandSignals: perThousand(hubMs),
    signalsPerHubCoreSecond: signals / (hubMs / 1000),
    connectorsMs: separate ? after.connectors - before.connectors : null,
    postgresMs: after.postgres - before.postgres,
    brokerMs: after.broker - before.broker,
    machineMs,
    machineBusyShare: machineMs / (seconds * 1000 * cpus().length),
    machineMsPerThousandSignals: perThousand(machineMs),
    machineSignalsPerSecond: (cpus().length * 1000 * signals) / machineMs,
  };
}

/**
 * What PostgreSQL ran since the last reset, in every database of the server (the hub's and the connectors' inboxes),
 * from pg_stat_statements: statements counted once each however many rows, time spent executing inside the server
 * (not parsing, planning or the round trip), constants shown as $n.
 */
async function statementStats(hub: Hub, top = 12) {
  const rows = await hub.sql.query<{ database: string; calls: string; ms: number; rows: string; query: string }>(
    `SELECT d.datname AS database, s.calls::text AS calls, s.total_exec_time AS ms, s.rows::text AS rows, regexp_replace(s.query, '\\s+', ' ', 'g') AS query
       FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
      WHERE s.query NOT LIKE '%pg_stat_statements%' ORDER BY s.total_exec_time DESC`,
  );
  const statements = rows.map((r) => ({
    // The bench's own polls of `signals` and its final count: listed, not counted in the totals.
    bench: /AS received_ms|AS routed FROM signals/.test(r.query),
    database: r.database,
    calls: Number(r.calls),
    ms: Number(r.ms),
    rows: Number(r.rows),
    query: r.query.length > 110 ? `${r.query.slice(0, 110)}…` : r.query,
  }));
  const hubAndConnectors = statements.filter((r) => !r.bench);
  return {
    calls: hubAndConnectors.reduce((sum, r) => sum + r.calls, 0),
    ms: hubAndConnectors.reduce((sum, r) => sum + r.ms, 0),
    benchCalls: statements.filter((r) => r.bench).reduce((sum, r) => sum + r.calls, 0),
    benchMs: statements.filter((r) => r.bench).reduce((sum, r) => sum + r.ms, 0),
    top: statements.slice(0, top),
  };
}

/** A connector started from the bundle as its own process; resolves once it serves its API. */
async function startConnectorProcess(options: { agencyId: string; dataDir: string; kafka: object; databaseUrl?: string }) {
  const child = spawn(process.execPath, [...startFlags('start:connector'), CONNECTOR_RUNNER], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, NODE_OPTIONS: '', BENCH_CONNECTOR: JSON.stringify(options) },
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  let timer: NodeJS.Timeout | undefined;
  try {
    const ready = await new Promise<{ port: number; apiKey: string }>((resolve, reject) => {
      let out = '';
      timer = setTimeout(() => reject(new Error(`The ${options.agencyId} connector was not ready within 60 s.`)), 60_000);
      child.once('error', reject);
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString('utf8');
        const line = out.split('\n')[0];
        if (!out.includes('\n') || !line) return;
        try {
          resolve(JSON.parse(line) as { port: number; apiKey: string });
        } catch {
          reject(new Error(`The ${options.agencyId} connector did not say where it listens.`));
        }
      });
      void exited.then(() => reject(new Error(`The ${options.agencyId} connector exited before it was ready.`)));
    });
    return { door: processDoor(ready.port, ready.apiKey), pid: child.pid!, stop };
  } catch (error) {
    await stop();
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** A signal as the police system posts it to its connector. */
interface SignalBody {
  sourceId: string;
  category: string;
  severity: string;
  observedAt: string;
  officer: string;
  note: string;
  child: { residentId: string; localId: string };
}

/**
 * A police bureau's backlog on the hub's inbound topic, as it stands after the hub was down for a while: batches sealed
 * and signed as the police connector would (its work, not timed), then published at once, for the hub to drain as fast
 * as it can while the connectors are paused: what a hub instance carries with only its store and the broker beside it.
 */
interface Backlog {
  prepare(batches: ReadonlyArray<readonly SignalBody[]>): Promise<OutgoingMessage[]>;
  publish(events: OutgoingMessage[]): Promise<void>;
  /** Called once everything is prepared, just before the publish: where the drain's CPU time starts. */
  beforePublish?(): void;
}

async function policeBacklog(hub: Hub, bus: EventBus): Promise<Backlog> {
  const hubKey = encryptionKeyOf(hub.keyRing.directory().find((a) => a.id === HUB_AGENCY_ID) ?? null);
  if (!hubKey) throw new Error('The hub publishes no encryption key.');
  const sealer = await createEnvelopeSealer(hubKey);
  const signer = await hub.keyRing.signer(POLICE);
  return {
    // As the police connector makes them: each signal checked by its API's schema, then the connector's own batch event.
    prepare: (batches) =>
      Promise.all(
        batches.map((batch) =>
          signalBatchEvent(
            signer,
            sealer,
            batch.map((b) => batchItemOf(signalRequest.parse(b))),
            new Date(),
          ),
        ),
      ),
    publish: (events) => bus.publish(TOPICS.hubInbound, events),
  };
}

/** Clock ticks a second in /proc (USER_HZ): 100 on Linux's x86-64 and arm64. */
const MS_PER_TICK = 10;

/** A process's CPU time (user + system) so far from /proc/<pid>/stat, in ms, with its command name; null once gone. */
function processCpu(pid: string | number): { command: string; ms: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields 14 and 15 (utime, stime), counted after the parenthesised command name.
    const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
    return { command: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), ms: (Number(fields[11]) + Number(fields[12])) * MS_PER_TICK };
  } catch {
    return null;
  }
}

/**
 * CPU time used so far, in ms: this process (the hub), the given connector processes, every PostgreSQL process
 * (server and backends) and every JVM (the broker) on the machine, and the whole machine's busy time from /proc/stat
 * (every core, user, system and interrupts; not idle, I/O wait or time the host stole). Only the harness's server and
 * broker should be running (a broker left by an interrupted run would count); a backend that exits during the run
 * takes its time with it (the hub's and the connectors' pools keep theirs open). Linux only: elsewhere the /proc
 * figures are NaN.
 */
function cpuMs(pids: readonly number[]): { hub: number; connectors: number; postgres: number; broker: number; machine: number } {
  const u = process.cpuUsage();
  let postgres = 0;
  let broker = 0;
  let machine = NaN;
  try {
    for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
      const p = processCpu(pid);
      if (p?.command === 'postgres') postgres += p.ms;
      else if (p?.command === 'java') broker += p.ms;
    }
    const [user, nice, system, , , irq, softirq] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    machine = (user! + nice! + system! + irq! + softirq!) * MS_PER_TICK;
  } catch {
    postgres = broker = NaN;
  }
  return {
    hub: (u.user + u.system) / 1000,
    connectors: pids.reduce((sum, pid) => sum + (processCpu(pid)?.ms ?? NaN), 0),
    postgres,
    broker,
    machine,
  };
}

async function measureDeployment(deployment: Deployment, broker: KafkaAccess | null) {
  // The machine's speed swings within a run too: timed before each deployment, with nothing else running.
  const speedProbeBeforeMs = speedProbeMs();
  const postgres = deployment === 'kafka-postgresql' ? await startPostgresServer({ statementStats: true }) : null;
  // On Kafka the connectors run as their own processes, as production runs them (BENCH_SIGNAL_CONNECTORS=embedded: in the hub).
  const separate = broker !== null && CONNECTORS === 'separate';
  const dataDir = await mkdtemp(join(tmpdir(), 'careloop-bench-signals-'));
  const stack: Array<() => Promise<void>> = [() => rm(dataDir, { recursive: true, force: true })];
  const kafka = broker ? { brokers: broker.brokers, sasl: { ...broker.sasl }, namespace: `benchsig${Date.now().toString(36)}.` } : null;
  const beforeHub = await settledMemory();
  // Development keys written to dataDir, so a connector process holds its agency's key and the hub's directory.
  const keys = await resolveDeployment(loadConfig({ CARELOOP_MODE: 'development', DATA_DIR: dataDir, LOG_LEVEL: 'silent' }), () => []);
  const { hub, connectorKey } = await createBenchHub({
    logger,
    keyRing: keys.keyRing,
    agencies: keys.agencies,
    cipher: keys.cipher,
    ...(keys.pseudonymiser ? { pseudonymiser: keys.pseudonymiser } : {}),
    embedConnectors: !separate,
    ...(kafka ? { kafkaBrokers: kafka.brokers, kafkaSasl: kafka.sasl, kafkaNamespace: kafka.namespace } : {}),
    ...(postgres ? { databaseUrl: postgres.url } : {}),
    ...(INBOUND_CONCURRENCY ? { inboundConcurrency: INBOUND_CONCURRENCY } : {}),
  });
  stack.push(() => hub.stop());
  if (postgres) await hub.sql.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  try {
    let school: Door;
    let police: Door;
    const connectorPids: number[] = [];
    if (separate) {
      const started = [];
      for (const agencyId of [SCHOOL, POLICE]) {
        const databaseUrl = postgres ? await createDatabase(postgres.url, `inbox_${agencyId.replace(/\W/g, '_')}`) : undefined;
        const connector = await startConnectorProcess({ agencyId, dataDir, kafka: kafka!, ...(databaseUrl ? { databaseUrl } : {}) });
        stack.push(connector.stop);
        connectorPids.push(connector.pid);
        started.push(connector.door);
      }
      [school, police] = started as [Door, Door];
    } else {
      school = embeddedDoor(hub, SCHOOL, connectorKey(SCHOOL));
      police = embeddedDoor(hub, POLICE, connectorKey(POLICE));
    }
    const enrolStarted = performance.now();
    await enrol(hub, school);
    const enrolSeconds = (performance.now() - enrolStarted) / 1000;
    await sendSignals(hub, police, `W${deployment}`, Math.min(WARMUP, SIGNALS));
    await sleep(500);
    if (postgres) await hub.sql.query('SELECT pg_stat_statements_reset()');
    const singleCpuBefore = cpuMs(connectorPids);
    const single = await sendSignals(hub, police, `S${deployment}`, SIGNALS);
    const singleCpu = cpuOf(singleCpuBefore, cpuMs(connectorPids), single.seconds, separate, SIGNALS);
    // Every statement a signal sent alone costs, in the hub and both connectors (each a round trip), read as the run
    // ends: every statement, not only the costliest.
    const singleStatements = postgres ? await statementStats(hub, Infinity) : null;
    await sleep(500);
    const paced = PACED_SIGNALS > 0 ? await sendSignals(hub, police, `P${deployment}`, PACED_SIGNALS, undefined, null, PACED_PER_SECOND) : null;
    console.log(`${deployment}: one at a time ${single.throughput.endToEndSignalsPerSecond.toFixed(0)} signals/s`);
    const batching = { size: BATCH, concurrency: BATCH_CONCURRENCY };
    await sendSignals(hub, police, `WB${deployment}`, Math.min(2 * BATCH, BATCHED_SIGNALS), undefined, batching);
    await sleep(500);
    const pacedBatches =
      PACED_BATCHED_SIGNALS > 0
        ? await sendSignals(hub, police, `PB${deployment}`, PACED_BATCHED_SIGNALS, undefined, { size: PACED_BATCH, concurrency: 1 }, PACED_BATCH_PER_SECOND)
        : null;
    await sleep(500);
    const before = await settledMemory();
    let peakRss = 0;
    let peakHeap = 0;
    const sample = () => {
      const m = process.memoryUsage();
      peakRss = Math.max(peakRss, m.rss);
      peakHeap = Math.max(peakHeap, m.heapUsed);
    };
    if (postgres) await hub.sql.query('SELECT pg_stat_statements_reset()');
    const cpuBefore = cpuMs(connectorPids);
    const run = await sendSignals(hub, police, `B${deployment}`, BATCHED_SIGNALS, sample, batching);
    const cpuAfter = cpuMs(connectorPids);
    const statements = postgres ? await statementStats(hub) : null;
    sample();
    await sleep(500);
    const after = await settledMemory();
    const backlog = separate && kafka && BACKLOG_SIGNALS > 0 ? { drains: await drainBacklog(hub, police, kafka, connectorPids, deployment, stack) } : null;
    console.log(
      `${deployment}: ${run.throughput.endToEndSignalsPerSecond.toFixed(0)} signals/s end to end, send→stored p99 ${run.latencyMs.endToEndSendToStoredSeen.p99.toFixed(1)} ms, received→stored p99 ${run.latencyMs.hubReceivedToStoredSeen.p99.toFixed(1)} ms, RSS ${before.rssMb.toFixed(0)} → ${after.rssMb.toFixed(0)} MB`,
    );
    return {
      deployment,
      speedProbeBeforeMs,
      bus: deployment === 'embedded' ? 'embedded (in the store)' : 'kafka (one broker, harness)',
      store: postgres ? 'postgresql (harness server, its own process)' : 'pglite (in memory)',
      connectors: separate ? 'own processes (school, police)' : 'embedded in the hub process',
      cpu: cpuOf(cpuBefore, cpuAfter, run.seconds, separate),
      statements,
      singleCpu,
      singleStatements,
      paced,
      pacedBatches,
      backlog,
      enrolSeconds,
      single,
      run,
      memory: {
        beforeHub,
        before,
        after,
        peakDuringRun: { rssMb: mb(peakRss), heapUsedMb: mb(peakHeap) },
        rssDeltaMb: after.rssMb - before.rssMb,
        heapDeltaMb: after.heapUsedMb - before.heapUsedMb,
        rssDeltaKbPerSignal: ((after.rssMb - before.rssMb) * 1024) / BATCHED_SIGNALS,
      },
      keyRing: hub.keyRing,
    };
  } finally {
    for (const undo of stack.reverse()) await undo();
    await postgres?.stop();
  }
}

/**
 * The police bureau's backlog (see `Backlog`) drained by the hub with both connectors paused (SIGSTOP: their share of
 * the machine goes to the hub, PostgreSQL and the broker), BACKLOG_RUNS times one after the other (each a backlog of
 * its own), each timed from the publish to the last row seen stored.
 */
async function drainBacklog(
  hub: Hub,
  police: Door,
  kafka: { brokers: string[]; sasl: KafkaSasl; namespace: string },
  connectorPids: readonly number[],
  deployment: Deployment,
  stack: Array<() => Promise<void>>,
) {
  const bus = createKafkaEventBus({ clientId: 'bench-police-backlog', brokers: kafka.brokers, sasl: kafka.sasl, namespace: kafka.namespace, logger });
  stack.push(() => bus.close());
  const source = await policeBacklog(hub, bus);
  let cpuBefore = cpuMs(connectorPids);
  // Every connector is resumed whatever happens, each on its own (one that is gone does not keep the others stopped).
  const resume = () => {
    for (const pid of connectorPids)
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        // Already gone.
      }
  };
  process.once('exit', resume);
  try {
    for (const pid of connectorPids) process.kill(pid, 'SIGSTOP');
    const drains = [];
    for (let r = 1; r <= BACKLOG_RUNS; r++) {
      // The hub's trailing work of the drain before (the outbox relay's notices) settles first.
      if (r > 1) await sleep(1000);
      const run = await sendSignals(hub, police, `K${deployment}-r${r}`, BACKLOG_SIGNALS, undefined, {
        size: BATCH,
        concurrency: 1,
        backlog: { ...source, beforePublish: () => void (cpuBefore = cpuMs(connectorPids)) },
      });
      const cpuAfter = cpuMs(connectorPids);
      console.log(`${deployment}: backlog drain ${r} at ${run.throughput.hubIntakeSignalsPerSecond.toFixed(0)} signals/s (first to last received)`);
      drains.push({ run, cpu: cpuOf(cpuBefore, cpuAfter, run.seconds, true, BACKLOG_SIGNALS) });
    }
    return drains;
  } finally {
    resume();
    process.off('exit', resume);
  }
}

/** The crypto one signal costs, each on its own in this process (no hub work in between). */
async function cryptoAlone(keyRing: KeyRing) {
  const hubKey = encryptionKeyOf(keyRing.directory().find((a) => a.id === HUB_AGENCY_ID) ?? null);
  if (!hubKey) throw new Error('The hub publishes no encryption key.');
  const sealer = await createEnvelopeSealer(hubKey);
  const opener = await keyRing.opener(HUB_AGENCY_ID);
  const signer = await keyRing.signer(POLICE);
  const timeEach = async (run: (i: number) => Promise<unknown>) => {
    for (let i = 0; i < 20; i++) await run(i);
    const samples: number[] = [];
    for (let i = 0; i < CRYPTO_SAMPLES; i++) {
      const started = performance.now();
      await run(i);
      samples.push(performance.now() - started);
    }
    return summary(samples);
  };
  const identity = await sealer.seal(residentId(1), SIGNAL_IDENTITY_PURPOSE);
  const note = await sealer.seal(NOTE, SIGNAL_NOTE_PURPOSE);
  return {
    sealIdentity: await timeEach((i) => sealer.seal(residentId(i), SIGNAL_IDENTITY_PURPOSE)),
    sealNote: await timeEach(() => sealer.seal(NOTE, SIGNAL_NOTE_PURPOSE)),
    signEvent: await timeEach((i) =>
      createSignedEvent({
        signer,
        type: SIGNAL_EVENT_TYPES.raised,
        subject: `C-${i}`,
        recipient: HUB_AGENCY_ID,
        data: {
          sourceId: `C-${i}`,
          category: 'ONLINE_SELF_HARM_RISK',
          severity: 'HIGH',
          observedAt: new Date().toISOString(),
          officer: 'PC-1',
          child: { identity, localId: 'HZ-1' },
          note,
        },
        time: new Date(),
      }),
    ),
    openIdentity: await timeEach(() => opener.open(identity, SIGNAL_IDENTITY_PURPOSE)),
    openNote: await timeEach(() => opener.open(note, SIGNAL_NOTE_PURPOSE)),
  };
}

/**
 * Each deployment runs in a fresh process of its own (this file again, with BENCH_SIGNAL_ONE_DEPLOYMENT set), as a hub
 * instance runs in production: a deployment measured after another in one process inherited its heap, its JIT's
 * history and the memory an in-memory store gave back late, and came out slower the later it ran. The broker is
 * started once, here, and shared.
 */
const ONE_DEPLOYMENT = process.env.BENCH_SIGNAL_ONE_DEPLOYMENT as Deployment | undefined;
type Measured = Omit<Awaited<ReturnType<typeof measureDeployment>>, 'keyRing'>;
type CryptoAlone = Awaited<ReturnType<typeof cryptoAlone>>;
if (ONE_DEPLOYMENT) {
  const access = process.env.BENCH_SIGNAL_BROKER ? (JSON.parse(process.env.BENCH_SIGNAL_BROKER) as KafkaAccess) : null;
  const { keyRing, ...measured } = await measureDeployment(ONE_DEPLOYMENT, access);
  // The crypto a signal costs, timed once, in the first deployment's process after its run.
  const crypto = process.env.BENCH_SIGNAL_CRYPTO === '1' ? await cryptoAlone(keyRing) : null;
  await writeFile(process.env.BENCH_SIGNAL_RESULT_FILE!, JSON.stringify({ measured, crypto }));
  process.exit(0);
}

/** Runs one deployment in a child process (this file, the same node flags) and reads what it measured. */
async function measureInOwnProcess(
  deployment: Deployment,
  broker: KafkaBroker | null,
  withCrypto: boolean,
): Promise<{ measured: Measured; crypto: CryptoAlone | null }> {
  const resultFile = join(await mkdtemp(join(tmpdir(), 'careloop-bench-signal-result-')), 'result.json');
  const nodeArgs = (process.env.BENCH_SIGNAL_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...process.execArgv, ...nodeArgs, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: {
      ...process.env,
      BENCH_SIGNAL_ONE_DEPLOYMENT: deployment,
      BENCH_SIGNAL_RESULT_FILE: resultFile,
      BENCH_SIGNAL_CRYPTO: withCrypto ? '1' : '0',
      ...(broker ? { BENCH_SIGNAL_BROKER: JSON.stringify({ brokers: broker.brokers, sasl: broker.sasl }) } : {}),
    },
  });
  try {
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    if (code !== 0) throw new Error(`The ${deployment} deployment's process ended with ${code}.`);
    return JSON.parse(readFileSync(resultFile, 'utf8')) as { measured: Measured; crypto: CryptoAlone | null };
  } finally {
    await rm(dirname(resultFile), { recursive: true, force: true });
  }
}

const broker = DEPLOYMENTS.some((d) => d !== 'embedded') ? await startKafkaBroker() : null;
if (broker && CONNECTORS === 'separate') await bundle(['bench/standalone-connector-run.ts'], fileURLToPath(new URL('../.cache/bench/', import.meta.url)));
const deployments: Measured[] = [];
let timedCrypto: CryptoAlone | null = null;
try {
  for (const d of DEPLOYMENTS) {
    const result = await measureInOwnProcess(d, d === 'embedded' ? null : broker, timedCrypto === null);
    deployments.push(result.measured);
    timedCrypto ??= result.crypto;
  }
} finally {
  await broker?.stop();
}
if (!timedCrypto) throw new Error('No deployment timed the crypto.');
const crypto = timedCrypto;
const sealPerSignalMs = crypto.sealIdentity.mean + crypto.sealNote.mean;
const openPerSignalMs = crypto.openIdentity.mean + crypto.openNote.mean;

const results = {
  measuredAt: new Date().toISOString(),
  machine: describeMachine(Boolean(gc)),
  settings: {
    signals: SIGNALS,
    batchedSignals: BATCHED_SIGNALS,
    batch: BATCH,
    batchConcurrency: BATCH_CONCURRENCY,
    children: CHILDREN,
    concurrency: CONCURRENCY,
    warmupSignals: Math.min(WARMUP, SIGNALS),
    pacedBatchedSignals: PACED_BATCHED_SIGNALS,
    pacedBatch: PACED_BATCH,
    pacedBatchPerSecond: PACED_BATCH_PER_SECOND,
    pollMs: POLL_MS,
    relayIntervalMs: 50,
    hubInboundConcurrency: INBOUND_CONCURRENCY || DEFAULT_INBOUND_CONCURRENCY,
    backlogSignals: BACKLOG_SIGNALS,
    backlogDrains: BACKLOG_RUNS,
    transport:
      CONNECTORS === 'separate'
        ? "embedded: the hub's fetch handler (no socket); on Kafka: HTTP on loopback to each connector's process"
        : "the hub's fetch handler (no socket)",
    connectors: CONNECTORS === 'separate' ? 'embedded: in the hub process; on Kafka: their own processes' : 'in the hub process on every deployment',
  },
  targets: { signalsPerSecond: TARGET_SIGNALS_PER_SECOND, routingP99Ms: TARGET_ROUTING_P99_MS },
  deployments: deployments.map((d) => ({
    ...d,
    share: {
      connectorSealingOfP50Answer: sealPerSignalMs / d.single.latencyMs.connectorSendTo202.p50,
      hubOpeningOfPerSignalTime: openPerSignalMs / (1000 / d.single.throughput.hubIntakeSignalsPerSecond),
    },
    batchedOverSingle: d.run.throughput.endToEndSignalsPerSecond / d.single.throughput.endToEndSignalsPerSecond,
    goals: {
      throughput: d.run.throughput.endToEndSignalsPerSecond >= TARGET_SIGNALS_PER_SECOND,
      routingP99: d.run.latencyMs.hubReceivedToStoredSeen.p99 < TARGET_ROUTING_P99_MS,
      routingP99Paced: d.paced ? d.paced.latencyMs.hubReceivedToStoredSeen.p99 < TARGET_ROUTING_P99_MS : null,
      routingP99PacedBatches: d.pacedBatches ? d.pacedBatches.latencyMs.hubReceivedToStoredSeen.p99 < TARGET_ROUTING_P99_MS : null,
    },
  })),
  cryptoAloneMs: { ...crypto, sealPerSignalMs, openPerSignalMs },
};

const f = (n: number, digits = 1) => n.toFixed(digits);
const pct = (n: number) => `${(n * 100).toFixed(0)}%`;
const yes = (b: boolean) => (b ? 'met' : '**missed**');
const row = (what: string, s: Summary) => `| ${what} | ${f(s.p50)} | ${f(s.p95)} | ${f(s.p99)} | ${f(s.max)} | ${f(s.mean)} |`;
const m = results.machine;
const lines = [
  '# Signal routing: police signals to the child’s school, throughput and latency',
  '',
  `Measured ${results.measuredAt} on ${m.platform}, ${m.cpus} × ${m.cpuModel}, ${f(m.memoryGb, 0)} GB, Node ${m.node}; speed probe ${f(m.speedProbeMs)} ms (a fixed CPU workload, \`bench/machine.ts\`, timed after the run; lower is faster); one run per deployment${BACKLOG_RUNS > 1 ? `, the backlog drained ${BACKLOG_RUNS} times` : ''}.`,
  `Three deployments one after the other, each in a fresh hub process of its own (the bench's file run again), as a hub instance runs in production: the embedded bus with PGlite in memory, a Kafka broker with PGlite, and a Kafka broker with a PostgreSQL server (the test harness's broker, started once and shared, and server, on this machine; PostgreSQL runs in its own process, outside the hub's RSS). ${CONNECTORS === 'separate' ? "Embedded, the school and police connectors live in the hub's process and are called through its fetch handler (no socket); on Kafka each runs as its own process from a bundle, as production runs them (its inbox in PGlite in memory, or its own database on the PostgreSQL server), called over HTTP on loopback, so the hub's process does only the hub's work and the bench's client and polls." : "The school and police connectors live in the hub's process on every deployment and are called through its fetch handler (no socket)."} ${CHILDREN} children enrolled at ${SCHOOL} through \`POST /connectors/${SCHOOL}/v1/enrolments\` (500 a call, not timed), ${results.settings.warmupSignals} warm-up signals. Then, side by side in one run: ${SIGNALS} signals sent **one at a time** (\`POST /connectors/${POLICE}/v1/signals\`, ${CONCURRENCY} in flight), and ${BATCHED_SIGNALS} signals sent **in batches** of ${BATCH} (\`POST /connectors/${POLICE}/v1/signals/batch\`, ${BATCH_CONCURRENCY} in flight, after ${2 * BATCH} warm-up), all \`ONLINE_SELF_HARM_RISK\`, HIGH, with a note. Every child is enrolled, so every signal is routed on receipt (\`routed_at\` = \`received_at\`, when the hub's handler ran). *Stored* is when a poll of \`signals\` (every ${POLL_MS} ms one at a time, ${BATCH_POLL_MS} ms in batches, on this thread too) first saw the row, so it includes up to a poll interval and the polls' own cost. A batched signal is *sent* when its batch was and *answered* when its batch was. On Kafka the hub applies up to ${results.settings.hubInboundConcurrency} partitions of its inbound topic at once (\`HUB_INBOUND_CONCURRENCY\`).`,
  '',
];
/** The median of a deployment's backlog drains by the rate from the publish to the last row stored (the lower of two middles). */
const medianDrain = <T extends { run: { throughput: { endToEndSignalsPerSecond: number } } }>(drains: readonly T[]): T =>
  [...drains].sort((a, b) => a.run.throughput.endToEndSignalsPerSecond - b.run.throughput.endToEndSignalsPerSecond)[Math.floor((drains.length - 1) / 2)]!;
/** The backlog drained with the connectors paused, when the deployment ran one. */
const backlogLines = (d: (typeof results.deployments)[number]) => {
  const b = d.backlog;
  if (!b) return [];
  const median = medianDrain(b.drains);
  const r = median.run;
  const per = (ms: number) => f((ms / r.count) * 1000, 0);
  return [
    `### A backlog drained, the connectors paused`,
    '',
    `${r.count} signals in ${r.count / BATCH} batch events, sealed and signed ahead as the police connector would (not timed), published to the hub's inbound topic at once, with both connectors paused (SIGSTOP), so the hub, its store and the broker have the machine: what one hub instance carries here. Drained ${b.drains.length} times, one after the other, each a backlog of its own (this machine's speed swings by a third from one drain to the next); the median drain, by the rate from the publish to the last row stored: the hub's handler took it in at **${f(r.throughput.hubIntakeSignalsPerSecond, 0)} signals/s** (first to last \`received_at\`); from the publish to the last row seen stored ${f(r.seconds, 2)} s, **${f(r.throughput.endToEndSignalsPerSecond, 0)} signals/s**. Routing (handler runs → row seen stored) p50 ${f(r.latencyMs.hubReceivedToStoredSeen.p50)} ms, p99 ${f(r.latencyMs.hubReceivedToStoredSeen.p99)} ms.`,
    '',
    "| drain | signals/s, publish → last stored | signals/s, the hub's intake | routing p50 (ms) | routing p99 (ms) | machine busy | machine ms / 1,000 signals | hub | PostgreSQL | broker | stored, routed |",
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...b.drains.map(
      ({ run, cpu }, i) =>
        `| ${i + 1}${run === r ? ' (median)' : ''} | ${f(run.throughput.endToEndSignalsPerSecond, 0)} | ${f(run.throughput.hubIntakeSignalsPerSecond, 0)} | ${f(run.latencyMs.hubReceivedToStoredSeen.p50)} | ${f(run.latencyMs.hubReceivedToStoredSeen.p99)} | ${pct(cpu.machineBusyShare)} | ${per(cpu.machineMs)} | ${per(cpu.hubMs)} | ${per(cpu.postgresMs)} | ${per(cpu.brokerMs)} | ${run.checks.stored}, ${run.checks.routed} |`,
    ),
    '',
    machineLine(median.cpu, r.count, 'while the hub drained the median backlog'),
    '',
  ];
};
/** PostgreSQL's statements during the batched run, the costliest first. */
const statementLines = (d: (typeof results.deployments)[number]) => {
  const st = d.statements;
  if (!st) return [];
  const batches = BATCHED_SIGNALS / BATCH;
  return [
    `PostgreSQL during the batched run (pg_stat_statements, every database of the server; statements sent by a client, a trigger's own, such as a foreign key's check, counted in the statement that fired it; time executing inside the server, not parsing, planning or the round trip): ${st.calls} statements from the hub and the connectors, ${f(st.calls / batches, 1)} a batch of ${BATCH}, ${f(st.ms, 0)} ms executing (${f(st.ms / batches, 1)} ms a batch); the bench's own polls, ${st.benchCalls} statements and ${f(st.benchMs, 0)} ms, are listed but not counted. The costliest:`,
    '',
    '| database | statement | calls | rows | ms | ms a batch |',
    '| --- | --- | --- | --- | --- | --- |',
    ...st.top.map(
      (r) =>
        `| ${r.database}${r.bench ? " (the bench's poll)" : ''} | \`${r.query.replaceAll('|', '\\|').replaceAll('`', "'")}\` | ${r.calls} | ${r.rows} | ${f(r.ms, 0)} | ${f(r.ms / batches, 2)} |`,
    ),
    '',
  ];
};
/** PostgreSQL's statements while signals went one at a time, per signal: each is a round trip from a Node process. */
const singleStatementLines = (d: (typeof results.deployments)[number]) => {
  const st = d.singleStatements;
  if (!st) return [];
  const per = (n: number) => n / SIGNALS;
  return [
    `PostgreSQL while signals went one at a time (pg_stat_statements, as above): ${st.calls} statements from the hub and the connectors, **${f(per(st.calls), 1)} a signal**, ${f(per(st.ms), 2)} ms executing a signal; the bench's own polls, ${st.benchCalls} statements, are not counted. The statements, most frequent first:`,
    '',
    '| database | statement | a signal | ms a signal |',
    '| --- | --- | --- | --- |',
    ...st.top
      .filter((r) => !r.bench)
      .sort((a, b) => b.calls - a.calls)
      .map((r) => `| ${r.database} | \`${r.query.replaceAll('|', '\\|').replaceAll('`', "'")}\` | ${f(per(r.calls), 2)} | ${f(per(r.ms), 3)} |`),
    '',
  ];
};
/** Where the machine's CPU went during a batched run, per 1,000 signals. */
const machineLine = (cpu: ReturnType<typeof cpuOf>, signals: number, during: string) => {
  const per = (ms: number) => f((ms / signals) * 1000, 0);
  const rest = cpu.machineMs - cpu.hubMs - (cpu.connectorsMs ?? 0) - cpu.postgresMs - cpu.brokerMs;
  return `The whole machine ${during}: busy ${pct(cpu.machineBusyShare)} of its ${m.cpus} cores (${f(cpu.machineMs / 1000, 2)} s), **${per(cpu.machineMs)} ms per 1,000 signals**: the hub's process ${per(cpu.hubMs)}${cpu.connectorsMs === null ? '' : `, the connectors ${per(cpu.connectorsMs)}`}, PostgreSQL ${per(cpu.postgresMs)}, the broker ${per(cpu.brokerMs)}, the rest ${per(rest)} (the kernel's loopback traffic, the host's other work; /proc counts in 10 ms ticks, so near zero it may come out below). Read from /proc: the machine's busy time leaves out I/O wait and time the host stole.`;
};
const section = (r: (typeof results.deployments)[number]['run'], how: string) => [
  `${r.count} signals ${how} in ${f(r.seconds, 2)} s: **${f(r.throughput.endToEndSignalsPerSecond, 0)} signals/s** from the first send to the last stored; the connector answered ${f(r.throughput.connectorAnswersPerSecond, 0)}/s; the hub's handler took them in at ${f(r.throughput.hubIntakeSignalsPerSecond, 0)}/s (first to last \`received_at\`). Stored ${r.checks.stored}, in the table ${r.checks.inTable}, routed ${r.checks.routed} (${r.checks.routedAtReceipt} routed on receipt).`,
  '',
  '| latency (ms) | p50 | p95 | p99 | max | mean |',
  '| --- | --- | --- | --- | --- | --- |',
  row('connector: send → 202 (validate, seal, sign, publish)', r.latencyMs.connectorSendTo202),
  row("202 → hub's handler runs (bus and queueing)", r.latencyMs.connector202ToHubReceived),
  row("send → hub's handler runs", r.latencyMs.sendToHubReceived),
  row('hub: handler runs → routed row seen stored (routing, excluding the bus)', r.latencyMs.hubReceivedToStoredSeen),
  row('end to end: send → routed row seen stored', r.latencyMs.endToEndSendToStoredSeen),
  '',
];
for (const d of results.deployments) {
  lines.push(
    `## ${DEPLOYMENT_NAMES[d.deployment]}`,
    '',
    `Speed probe before this deployment: ${f(d.speedProbeBeforeMs)} ms.`,
    '',
    `### In batches of ${BATCH}`,
    '',
    ...section(d.run, `in batches of ${BATCH}`),
    ...backlogLines(d),
    `### One at a time`,
    '',
    ...section(d.single, 'one at a time'),
    `Batched over one at a time, end to end: **${f(d.batchedOverSingle, 1)}×**.`,
    '',
    machineLine(d.singleCpu, SIGNALS, 'while signals went one at a time'),
    '',
    ...(d.paced
      ? [
          `### One at a time, at a steady ${PACED_PER_SECOND} a second`,
          '',
          `The same signals sent one at a time on a schedule, ${PACED_PER_SECOND} a second whatever the ones before are doing (${f((PACED_PER_SECOND / d.single.throughput.endToEndSignalsPerSecond) * 100, 0)}% of what ${CONCURRENCY} in flight carried above, where each signal also waits for the machine), polled every ${POLL_MS} ms.`,
          '',
          ...section(d.paced, `one at a time at ${PACED_PER_SECOND} a second`),
        ]
      : []),
    ...(d.pacedBatches
      ? [
          `### In batches of ${PACED_BATCH}, at a steady ${PACED_BATCH_PER_SECOND} a second`,
          '',
          `A police system streaming its cases: a batch of ${PACED_BATCH} every ${f((PACED_BATCH * 1000) / PACED_BATCH_PER_SECOND, 0)} ms whatever the ones before are doing, ${PACED_BATCH_PER_SECOND} signals a second (${f((PACED_BATCH_PER_SECOND / d.run.throughput.endToEndSignalsPerSecond) * 100, 0)}% of what batches of ${BATCH}, ${BATCH_CONCURRENCY} in flight, carried above), polled every ${POLL_MS} ms.`,
          '',
          ...section(d.pacedBatches, `in batches of ${PACED_BATCH} at ${PACED_BATCH_PER_SECOND} a second`),
        ]
      : []),
    ...singleStatementLines(d),
    `Memory (${m.exposeGc ? 'after a forced GC' : 'no forced GC'}): before the hub ${f(d.memory.beforeHub.rssMb, 0)} MB RSS; before the signals ${f(d.memory.before.rssMb, 0)} MB RSS / ${f(d.memory.before.heapUsedMb, 0)} MB heap; after ${f(d.memory.after.rssMb, 0)} MB RSS / ${f(d.memory.after.heapUsedMb, 0)} MB heap (Δ ${f(d.memory.rssDeltaMb, 0)} MB RSS, ${f(d.memory.rssDeltaKbPerSignal, 1)} KB a signal, Δ ${f(d.memory.heapDeltaMb, 1)} MB heap); peak seen while polling ${f(d.memory.peakDuringRun.rssMb, 0)} MB RSS / ${f(d.memory.peakDuringRun.heapUsedMb, 0)} MB heap. ${d.deployment === 'kafka-postgresql' ? 'The store is PostgreSQL, outside this process.' : 'RSS includes the in-memory PGlite store, which keeps every signal.'}`,
    '',
    `CPU during the batched run: the hub's process ${f(d.cpu.hubMs / 1000, 2)} s (${pct(d.cpu.hubCoreShare)} of one core over the run; it also runs the bench's client and polls), **${f(d.cpu.hubMsPerThousandSignals, 0)} ms per 1,000 signals**, so one core given to the hub carries **${f(d.cpu.signalsPerHubCoreSecond, 0)} signals/s** at this cost${d.cpu.connectorsMs === null ? '; the connectors run in the same process' : `; the connectors' processes ${f(d.cpu.connectorsMs / 1000, 2)} s`}. PostgreSQL and the broker share the machine's ${m.cpus} cores with them.`,
    '',
    machineLine(d.cpu, BATCHED_SIGNALS, 'during the batched run'),
    '',
    ...statementLines(d),
    `Memory is around the batched run. Crypto share, one at a time: the connector's two seals (${f(sealPerSignalMs, 2)} ms together) are ${pct(d.share.connectorSealingOfP50Answer)} of its p50 answer; the hub's two openings (${f(openPerSignalMs, 2)} ms) are ${pct(d.share.hubOpeningOfPerSignalTime)} of its time per signal at the measured intake rate. A batch seals and opens one envelope for all its signals.`,
    '',
  );
}
const c = results.cryptoAloneMs;
lines.push(
  `## Crypto per signal sent alone, each timed on its own (${CRYPTO_SAMPLES} samples after 20 warm-up)`,
  '',
  '| operation | p50 (ms) | p95 (ms) | p99 (ms) | max (ms) | mean (ms) |',
  '| --- | --- | --- | --- | --- | --- |',
  row('connector: seal the resident id (jose, ECDH-ES+A256KW)', c.sealIdentity),
  row('connector: seal the note', c.sealNote),
  row('connector: sign the event', c.signEvent),
  row('hub: open the resident id (node-jose)', c.openIdentity),
  row('hub: open the note', c.openNote),
  '',
  '## Goals (issue 10)',
  '',
);
for (const d of results.deployments) {
  const name = DEPLOYMENT_NAMES[d.deployment];
  lines.push(
    `- ≥ ${TARGET_SIGNALS_PER_SECOND} signals/s per hub instance, ${name}, in batches: ${f(d.run.throughput.endToEndSignalsPerSecond, 0)} signals/s end to end on this machine, ${yes(d.goals.throughput)} (one at a time: ${f(d.single.throughput.endToEndSignalsPerSecond, 0)}/s).`,
    `- Routing p99 < ${TARGET_ROUTING_P99_MS} ms excluding the bus (handler runs → row seen stored), ${name}, in batches: ${f(d.run.latencyMs.hubReceivedToStoredSeen.p99)} ms, ${yes(d.goals.routingP99)} (one at a time: ${f(d.single.latencyMs.hubReceivedToStoredSeen.p99)} ms).`,
    ...(d.paced
      ? [
          `- Routing p99 < ${TARGET_ROUTING_P99_MS} ms excluding the bus, ${name}, one at a time at a steady ${PACED_PER_SECOND} a second: ${f(d.paced.latencyMs.hubReceivedToStoredSeen.p99)} ms (p50 ${f(d.paced.latencyMs.hubReceivedToStoredSeen.p50)}, up to ${POLL_MS} ms of it the poll), ${yes(d.goals.routingP99Paced === true)}.`,
        ]
      : []),
    ...(d.pacedBatches
      ? [
          `- Routing p99 < ${TARGET_ROUTING_P99_MS} ms excluding the bus, ${name}, in batches of ${PACED_BATCH} at a steady ${PACED_BATCH_PER_SECOND} a second: ${f(d.pacedBatches.latencyMs.hubReceivedToStoredSeen.p99)} ms (p50 ${f(d.pacedBatches.latencyMs.hubReceivedToStoredSeen.p50)}, up to ${POLL_MS} ms of it the poll), ${yes(d.goals.routingP99PacedBatches === true)}.`,
        ]
      : []),
  );
}
for (const d of results.deployments)
  lines.push(
    `- Derived from CPU time, not measured as throughput: ${DEPLOYMENT_NAMES[d.deployment]}, the hub's process spent ${f(d.cpu.hubMsPerThousandSignals, 0)} ms per 1,000 batched signals (${pct(d.cpu.hubCoreShare)} of one core over the run), so a core given to it alone would carry ~${f(d.cpu.signalsPerHubCoreSecond, 0)} signals/s at that cost, if the store and the broker kept up. ${d.deployment === 'kafka-postgresql' ? "PostgreSQL's and the broker's CPU are not counted." : "The PGlite store runs in the hub's process and is counted."}${d.cpu.connectorsMs === null ? " The connectors run in the hub's process and are counted." : ''}`,
  );
for (const d of results.deployments) {
  if (!d.backlog) continue;
  const rate = (x: (typeof d.backlog.drains)[number]) => x.run.throughput.endToEndSignalsPerSecond;
  const median = rate(medianDrain(d.backlog.drains));
  lines.push(
    `- ≥ ${TARGET_SIGNALS_PER_SECOND} signals/s per hub instance, ${DEPLOYMENT_NAMES[d.deployment]}, draining a backlog with the connectors paused (the police's sealing and signing done ahead): ${f(median, 0)} signals/s from the publish to the last stored, the median of ${d.backlog.drains.length} drains (${d.backlog.drains.map((x) => f(rate(x), 0)).join(', ')}), ${yes(median >= TARGET_SIGNALS_PER_SECOND)}.`,
  );
}
for (const d of results.deployments)
  lines.push(
    `- Derived from CPU time, not measured as throughput: ${DEPLOYMENT_NAMES[d.deployment]}, the whole deployment (hub, connectors, store, broker, the bench's client) spent ${f(d.cpu.machineMsPerThousandSignals, 0)} ms of this machine's CPU per 1,000 batched signals, so its ${m.cpus} cores, all busy, would carry ~${f(d.cpu.machineSignalsPerSecond, 0)} signals/s; they were ${pct(d.cpu.machineBusyShare)} busy over the run.`,
  );
for (const d of results.deployments.filter((x) => x.deployment !== 'embedded'))
  lines.push(
    `- Flat memory, ${DEPLOYMENT_NAMES[d.deployment]}: ${f(d.memory.rssDeltaMb, 0)} MB RSS and ${f(d.memory.heapDeltaMb, 1)} MB heap more after ${BATCHED_SIGNALS} batched signals (after a GC)${d.deployment === 'kafka' ? '; the store is in this process, so some growth is its rows: judge by the heap' : ''}.`,
  );
lines.push('');
const markdown = lines.join('\n');
await mkdir('bench/results', { recursive: true });
await writeFile('bench/results/signal-routing.json', `${JSON.stringify(results, null, 2)}\n`);
await writeFile('bench/results/signal-routing.md', markdown);
console.log(markdown);
const allStored = results.deployments.every(
  (d) =>
    d.single.checks.stored === SIGNALS &&
    d.single.checks.routed === SIGNALS &&
    d.run.checks.stored === BATCHED_SIGNALS &&
    d.run.checks.routed === BATCHED_SIGNALS &&
    (!d.paced || (d.paced.checks.stored === PACED_SIGNALS && d.paced.checks.routed === PACED_SIGNALS)) &&
    (!d.pacedBatches || (d.pacedBatches.checks.stored === PACED_BATCHED_SIGNALS && d.pacedBatches.checks.routed === PACED_BATCHED_SIGNALS)) &&
    (!d.backlog || d.backlog.drains.every((x) => x.run.checks.stored === BACKLOG_SIGNALS && x.run.checks.routed === BACKLOG_SIGNALS)),
);
if (!allStored) process.exitCode = 1;
