import { gc, mb, settledMemory, sleep } from './memory.js';
import { describeMachine } from './machine.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { createLogger } from '../adapters/logging/create-logger.js';
import { createSignedEvent } from '../adapters/messaging/signed-event.js';
import { parseScreeningCsv } from '../connectors/school/screening-csv.js';
import { HUB_AGENCY_ID } from '../core/development-seed.js';
import { SCREENING_EVENT_TYPES } from '../core/warning/screening-events.js';
import type { Hub } from '../gateway/create-hub.js';
import { createBenchHub } from './bench-hub.js';

/**
 * One deployment's run of the screening-import benchmark (bench/screening-import.bench.ts starts it in a fresh
 * process, from an esbuild bundle as `npm start` runs the hub, so that each deployment's memory is its own): a
 * large district's screening census (default 10,000 students × 5 scales = 50,000 good rows, plus ~0.5% bad rows)
 * posted in one go as a streamed CSV to the embedded school connector (`POST /connectors/school-east/imports/screenings`).
 * SCREENING_DEPLOYMENT `embedded`: PGlite in a fresh data directory (as `npm start` keeps it) and the embedded bus; `kafka-postgresql`: the broker and the
 * PostgreSQL server the parent started (SCREENING_KAFKA as JSON {brokers, sasl, namespace}, SCREENING_DATABASE_URL).
 * Measures the connector's answer (parse, validate, sign, publish every batch) and the time until the hub has
 * applied every batch (the batch reports in the school's inbox add up to the good rows), samples RSS and heap every
 * 50 ms, then sends the same file again (nothing applied). Besides, the connector's part alone in-process: parse +
 * validate only, and parse + validate + sign. Prints its results as one JSON line, last.
 */
type Deployment = 'embedded' | 'kafka-postgresql';
const DEPLOYMENT = (process.env.SCREENING_DEPLOYMENT ?? 'embedded') as Deployment;
const STUDENTS = Number(process.env.BENCH_SCREENING_STUDENTS ?? 10_000);
const SCALES = ['PHQ-9', 'GAD-7', 'CES-D', 'SCARED', 'MHT'] as const;
/** One bad row every 200 good ones: ~0.5%. */
const BAD_EVERY = 200;
const SCHOOL = 'school-east';
const SAMPLE_MS = 50;
const logger = createLogger({ name: 'bench', level: 'silent' });
const studentNumber = (i: number) => `BENCH-${String(i).padStart(6, '0')}`;
const GOOD_ROWS = STUDENTS * SCALES.length;

/** The bad rows, in turn: each is refused by the connector's validation with its own reason. */
const BAD_ROWS = [
  (n: string) => `${n},PHQ-9,99,2026-09-15,t-bench`, // score out of range
  (n: string) => `${n},NOT-A-SCALE,3,2026-09-15,t-bench`, // unknown scale
  (n: string) => `${n},GAD-7,4,15/09/2026,t-bench`, // not a date
  (n: string) => `${n},CES-D,12,2026-09-15,`, // no assessor
  (n: string) => `${n},MHT,40,2099-09-15,t-bench`, // in the future
];

/** The census file, line by line: header, then for each scale every student, a bad row after every 200th good one. */
function* censusLines(): Generator<string> {
  yield 'student_number,scale,score,taken_on,assessor\n';
  let good = 0;
  let bad = 0;
  for (const scale of SCALES)
    for (let i = 0; i < STUDENTS; i++) {
      yield `${studentNumber(i)},${scale},${(i * 7 + scale.length) % 21},2026-09-15,t-bench-${i % 50}\n`;
      if (++good % BAD_EVERY === 0) yield `${BAD_ROWS[bad++ % BAD_ROWS.length]!(studentNumber(i))}\n`;
    }
}
const BAD_COUNT = Math.floor(GOOD_ROWS / BAD_EVERY);

/** The file as a byte stream, built as it is read (chunks of ~64 KiB), never held whole. */
function censusStream(): ReadableStream<Uint8Array> {
  const lines = censusLines();
  const encoder = new TextEncoder();
  let bytes = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      let chunk = '';
      while (chunk.length < 64 * 1024) {
        const next = lines.next();
        if (next.done) break;
        chunk += next.value;
      }
      if (chunk) {
        const encoded = encoder.encode(chunk);
        bytes += encoded.byteLength;
        controller.enqueue(encoded);
      } else controller.close();
    },
  });
  return Object.assign(stream, { bytes: () => bytes });
}

/** Enrols the students at the school, 1,000 a statement (not timed). */
async function enrol(hub: Hub) {
  for (let from = 0; from < STUDENTS; from += 1000) {
    const n = Array.from({ length: Math.min(1000, STUDENTS - from) }, (_, k) => from + k);
    await hub.sql.query(
      `INSERT INTO subjects (id, school_agency_id, grade, local_ref) SELECT id, $1, 8, ref FROM unnest($2::text[], $3::text[]) AS s(id, ref)`,
      [SCHOOL, n.map((i) => `subj-bench-scr-${i}`), n.map(studentNumber)],
    );
  }
}

/**
 * RSS and heap every 50 ms: on this thread (RSS and this isolate's heap), and RSS from a worker thread as well,
 * since PGlite runs on this thread synchronously and may keep its timers from firing on time.
 */
function startSampler() {
  let peakRss = 0;
  let peakHeap = 0;
  let samples = 0;
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
    samples++;
  }, SAMPLE_MS);
  const worker = new Worker(
    `const { parentPort } = require('node:worker_threads');
     let peak = 0, samples = 0;
     const t = setInterval(() => { peak = Math.max(peak, process.memoryUsage.rss()); samples++; }, ${SAMPLE_MS});
     parentPort.on('message', () => { clearInterval(t); peak = Math.max(peak, process.memoryUsage.rss()); parentPort.postMessage({ peak, samples }); });`,
    { eval: true },
  );
  return async () => {
    clearInterval(timer);
    const answer = new Promise<{ peak: number; samples: number }>((resolve) => worker.once('message', resolve));
    worker.postMessage('stop');
    const fromWorker = await answer;
    await worker.terminate();
    const m = process.memoryUsage();
    return {
      peakRssMb: mb(Math.max(peakRss, fromWorker.peak, m.rss)),
      peakHeapUsedMb: mb(Math.max(peakHeap, m.heapUsed)),
      mainThreadSamples: samples,
      workerSamples: fromWorker.samples,
    };
  };
}

interface BatchReport {
  importId: string;
  batch: number;
  applied: number;
  unchanged: number;
  rejected: unknown[];
}

/** Reads and acknowledges the school's inbox until every batch of `importId` has been reported. */
async function awaitReports(hub: Hub, key: string, importId: string, batches: number, timeoutMs = 600_000) {
  const reports = new Map<number, BatchReport>();
  const deadline = Date.now() + timeoutMs;
  const auth = { authorization: `Bearer ${key}` };
  while (reports.size < batches) {
    if (Date.now() > deadline) throw new Error(`Only ${reports.size} of ${batches} batch reports arrived for ${importId}.`);
    const res = await hub.fetch(new Request(`http://hub/connectors/${SCHOOL}/v1/inbox?limit=500`, { headers: auth }));
    const items = ((await res.json()) as { items: Array<{ id: string; kind: string; payload: BatchReport }> }).items;
    const mine = items.filter((i) => i.kind === 'screening-batch-applied' && i.payload.importId === importId);
    for (const i of mine) reports.set(i.payload.batch, i.payload);
    if (items.length > 0)
      await hub.fetch(
        new Request(`http://hub/connectors/${SCHOOL}/v1/inbox/ack`, {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json' },
          body: JSON.stringify({ ids: items.map((i) => i.id) }),
        }),
      );
    if (reports.size < batches) await sleep(mine.length > 0 ? 10 : 50);
  }
  return [...reports.values()];
}

interface ImportAnswer {
  importId: string;
  batches: number;
  rows: number;
  accepted: number;
  rejectedCount: number;
}

/** One upload, timed: the connector's answer, then the last batch report. */
async function importOnce(hub: Hub, key: string) {
  const body = censusStream();
  const started = performance.now();
  const response = await hub.fetch(
    new Request(`http://hub/connectors/${SCHOOL}/imports/screenings`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'text/csv' },
      body,
      duplex: 'half',
    } as RequestInit & { duplex: 'half' }),
  );
  const answer = (await response.json()) as ImportAnswer;
  const answeredMs = performance.now() - started;
  if (response.status !== 202) throw new Error(`The import was refused: ${response.status} ${JSON.stringify(answer)}`);
  const reports = await awaitReports(hub, key, answer.importId, answer.batches);
  const appliedMs = performance.now() - started;
  const sum = (k: 'applied' | 'unchanged') => reports.reduce((n, r) => n + r[k], 0);
  return {
    fileBytes: (body as unknown as { bytes(): number }).bytes(),
    answer: { importId: answer.importId, batches: answer.batches, rows: answer.rows, accepted: answer.accepted, rejectedCount: answer.rejectedCount },
    connector: { seconds: answeredMs / 1000, rowsPerSecond: answer.rows / (answeredMs / 1000) },
    endToEnd: { seconds: appliedMs / 1000, rowsPerSecond: answer.rows / (appliedMs / 1000) },
    reports: { count: reports.length, applied: sum('applied'), unchanged: sum('unchanged'), hubRejected: reports.reduce((n, r) => n + r.rejected.length, 0) },
  };
}

/** The connector's own work without the bus: parse + validate only, then parse + validate + sign every batch. */
async function connectorParts(hub: Hub) {
  const signer = await hub.keyRing.signer(SCHOOL);
  const time = async (sign: boolean) => {
    let batches = 0;
    const started = performance.now();
    const report = await parseScreeningCsv(Readable.from(censusLines()), {
      today: new Date().toISOString().slice(0, 10),
      async send(rows) {
        batches++;
        if (sign)
          await createSignedEvent({
            signer,
            type: SCREENING_EVENT_TYPES.results,
            subject: 'bench',
            recipient: HUB_AGENCY_ID,
            data: { importId: 'bench', batch: batches, rows },
            time: new Date(),
          });
      },
    });
    const seconds = (performance.now() - started) / 1000;
    return { seconds, rowsPerSecond: report.rows / seconds, batches };
  };
  await time(false); // warm-up
  return { parseValidate: await time(false), parseValidateSign: await time(true) };
}

const beforeHub = await settledMemory();
const kafka = process.env.SCREENING_KAFKA
  ? (JSON.parse(process.env.SCREENING_KAFKA) as {
      brokers: string[];
      sasl: { mechanism: 'scram-sha-256'; username: string; password: string };
      namespace: string;
    })
  : null;
const databaseUrl = process.env.SCREENING_DATABASE_URL;
if (DEPLOYMENT === 'kafka-postgresql' && (!kafka || !databaseUrl)) throw new Error('kafka-postgresql needs SCREENING_KAFKA and SCREENING_DATABASE_URL');
// The embedded store as `npm start` keeps it: PGlite in a data directory (a fresh one), not in memory.
const dataDir = DEPLOYMENT === 'embedded' ? await mkdtemp(join(tmpdir(), 'careloop-screening-')) : null;
const { hub, connectorKey } = await createBenchHub({
  logger,
  ...(dataDir ? { dataDir: join(dataDir, 'pglite') } : {}),
  ...(DEPLOYMENT === 'kafka-postgresql' ? { kafkaBrokers: kafka!.brokers, kafkaSasl: kafka!.sasl, kafkaNamespace: kafka!.namespace, databaseUrl } : {}),
});
let results;
try {
  const key = connectorKey(SCHOOL);
  const enrolStarted = performance.now();
  await enrol(hub);
  const enrolSeconds = (performance.now() - enrolStarted) / 1000;
  await sleep(500);
  const baseline = await settledMemory();
  const stopSampler = startSampler();
  const first = await importOnce(hub, key);
  const peak = await stopSampler();
  const afterFirst = await settledMemory();
  console.error(
    `${DEPLOYMENT} first: answer ${first.connector.seconds.toFixed(2)} s (${first.connector.rowsPerSecond.toFixed(0)} rows/s), applied ${first.endToEnd.seconds.toFixed(2)} s (${first.endToEnd.rowsPerSecond.toFixed(0)} rows/s), peak RSS ${peak.peakRssMb.toFixed(0)} MB`,
  );
  const stopSampler2 = startSampler();
  const again = await importOnce(hub, key);
  const peakAgain = await stopSampler2();
  console.error(
    `${DEPLOYMENT} again: answer ${again.connector.seconds.toFixed(2)} s, applied ${again.endToEnd.seconds.toFixed(2)} s, applied rows ${again.reports.applied}`,
  );
  const parts = await connectorParts(hub);
  console.error(
    `${DEPLOYMENT} connector alone: parse ${parts.parseValidate.rowsPerSecond.toFixed(0)} rows/s, parse+sign ${parts.parseValidateSign.rowsPerSecond.toFixed(0)} rows/s`,
  );

  const checks = {
    firstAccepted: first.answer.accepted === GOOD_ROWS && first.answer.rejectedCount === BAD_COUNT,
    firstAppliedAll: first.reports.applied === GOOD_ROWS && first.reports.count === first.answer.batches,
    againAppliedNothing: again.reports.applied === 0 && again.reports.unchanged === GOOD_ROWS,
  };
  results = {
    measuredAt: new Date().toISOString(),
    machine: describeMachine(Boolean(gc)),
    settings: {
      students: STUDENTS,
      scales: SCALES,
      goodRows: GOOD_ROWS,
      badRows: BAD_COUNT,
      sampleMs: SAMPLE_MS,
      deployment: DEPLOYMENT,
      store: DEPLOYMENT === 'embedded' ? 'pglite (a data directory, in this process)' : 'postgresql (its own process)',
      bus: DEPLOYMENT === 'embedded' ? 'embedded (in the store)' : 'kafka (one broker, its own process)',
    },
    enrolSeconds,
    first,
    again,
    connectorAlone: parts,
    memory: {
      beforeHub,
      baseline,
      afterFirstGc: afterFirst,
      first: { ...peak, peakRssDeltaMb: peak.peakRssMb - baseline.rssMb },
      again: { ...peakAgain, peakRssDeltaMb: peakAgain.peakRssMb - baseline.rssMb },
    },
    checks,
  };
} finally {
  await hub.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
}

console.log(JSON.stringify(results));
if (!Object.values(results.checks).every(Boolean)) process.exitCode = 1;
