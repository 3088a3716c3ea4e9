import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { bundle } from '../scripts/build.mjs';
import { startFlags } from '../scripts/start-flags.mjs';
import { startKafkaBroker } from '../test/harness/kafka-broker.js';
import { createDatabase, startPostgresServer } from '../test/harness/postgres-server.js';
import { mb } from './memory.js';

/**
 * `npm run bench` (or `BENCH_ONLY=screening-import npm run bench`): issue 8's target, a large district's screening
 * census streamed to the school connector in one go, on two deployments side by side in one run: the embedded
 * defaults (PGlite in a data directory, the embedded bus) and production's (a Kafka broker and a PostgreSQL server,
 * each in its own process). Each run is a fresh process started from an esbuild bundle of
 * bench/screening-import-run.ts, as `npm start` runs the hub, so that its memory is its own: per deployment, once as
 * started, once with V8's old generation capped (BENCH_SCREENING_HEAP_CAP_MB, 96) and once capped with a file four
 * times larger, to show what the import holds and that it does not grow with the file.
 * BENCH_SCREENING_DEPLOYMENTS=embedded,kafka-postgresql picks them. Writes bench/results/screening-import.{json,md}.
 */
type Deployment = 'embedded' | 'kafka-postgresql';
const DEPLOYMENTS = (process.env.BENCH_SCREENING_DEPLOYMENTS ?? 'embedded,kafka-postgresql').split(',').filter(Boolean) as Deployment[];
const NAMES: Record<Deployment, string> = { embedded: 'embedded bus + PGlite', 'kafka-postgresql': 'Kafka + PostgreSQL' };
/** Issue 8's targets. */
const TARGET_ROWS_PER_SECOND = 16_000;
const TARGET_PEAK_RSS_MB = 256;
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RUNNER = fileURLToPath(new URL('../.cache/bench/screening-import-run.mjs', import.meta.url));
const SCHOOL = 'school-east';

interface Memory {
  rssMb: number;
  heapUsedMb: number;
}
interface Pass {
  fileBytes: number;
  answer: { rows: number; accepted: number; rejectedCount: number; batches: number };
  connector: { seconds: number; rowsPerSecond: number };
  endToEnd: { seconds: number; rowsPerSecond: number };
  reports: { count: number; applied: number; unchanged: number };
}
interface Peak {
  peakRssMb: number;
  peakRssDeltaMb: number;
  peakHeapUsedMb: number;
  mainThreadSamples: number;
  workerSamples: number;
}
interface Run {
  measuredAt: string;
  machine: { platform: string; cpus: number; cpuModel: string; memoryGb: number; node: string; exposeGc: boolean };
  settings: { students: number; scales: string[]; goodRows: number; badRows: number; sampleMs: number; deployment: Deployment; store: string; bus: string };
  enrolSeconds: number;
  first: Pass;
  again: Pass;
  connectorAlone: { parseValidate: { seconds: number; rowsPerSecond: number }; parseValidateSign: { seconds: number; rowsPerSecond: number } };
  memory: { beforeHub: Memory; baseline: Memory; afterFirstGc: Memory; first: Peak; again: Peak };
  checks: Record<string, boolean>;
}

await bundle(['bench/screening-import-run.ts'], fileURLToPath(new URL('../.cache/bench/', import.meta.url)));

/** One run: a deployment, a file of `students` × 5 scales, and optionally a cap on V8's old generation. */
interface Plan {
  deployment: Deployment;
  students: number;
  heapCapMb: number | null;
}
const STUDENTS = Number(process.env.BENCH_SCREENING_STUDENTS ?? 10_000);
/** The cap of the bounded runs: what a deployment gives a hub's heap when it wants its memory predictable. */
const HEAP_CAP_MB = Number(process.env.BENCH_SCREENING_HEAP_CAP_MB ?? 96);
/** The bounded runs are also made with a file this many times larger: flat memory means the same peak. */
const LARGER = 4;
const plans: Plan[] = DEPLOYMENTS.flatMap((deployment) => [
  { deployment, students: STUDENTS, heapCapMb: null },
  { deployment, students: STUDENTS, heapCapMb: HEAP_CAP_MB },
  { deployment, students: STUDENTS * LARGER, heapCapMb: HEAP_CAP_MB },
]);

function measure(plan: Plan, env: Record<string, string>): Run & { plan: Plan } {
  // BENCH_SCREENING_NODE_ARGS: extra flags for each run's node (a profiler, say), space-separated.
  const extra = (process.env.BENCH_SCREENING_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const cap = plan.heapCapMb === null ? [] : [`--max-old-space-size=${plan.heapCapMb}`];
  const run = spawnSync(process.execPath, ['--expose-gc', ...startFlags(), ...cap, ...extra, RUNNER], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, NODE_OPTIONS: '', SCREENING_DEPLOYMENT: plan.deployment, BENCH_SCREENING_STUDENTS: String(plan.students), ...env },
  });
  const last = run.stdout.trim().split('\n').at(-1) ?? '';
  if (run.status !== 0 && !last.startsWith('{'))
    throw new Error(`screening-import run (${plan.deployment}, ${plan.students} students) failed with status ${run.status}`);
  return { ...(JSON.parse(last) as Run), plan };
}

const runs: Array<Run & { plan: Plan }> = [];
const needsServers = DEPLOYMENTS.includes('kafka-postgresql');
const broker = needsServers ? await startKafkaBroker() : null;
const postgres = needsServers ? await startPostgresServer() : null;
try {
  for (const [i, plan] of plans.entries()) {
    const env: Record<string, string> = {};
    if (plan.deployment === 'kafka-postgresql') {
      // Every run starts from an empty store, as the embedded one does from a fresh directory.
      env.SCREENING_DATABASE_URL = await createDatabase(postgres!.url, `screening_${i}`);
      env.SCREENING_KAFKA = JSON.stringify({ brokers: broker!.brokers, sasl: broker!.sasl, namespace: `benchscr${i}${Date.now().toString(36)}.` });
    }
    runs.push(measure(plan, env));
  }
} finally {
  await broker?.stop();
  await postgres?.stop();
}

const goalsOf = (r: Run) => ({
  connectorRowsPerSecond: r.first.connector.rowsPerSecond >= TARGET_ROWS_PER_SECOND,
  endToEndRowsPerSecond: r.first.endToEnd.rowsPerSecond >= TARGET_ROWS_PER_SECOND,
  peakRssUnder256Mb: r.memory.first.peakRssMb < TARGET_PEAK_RSS_MB,
  peakRssDeltaUnder256Mb: r.memory.first.peakRssDeltaMb < TARGET_PEAK_RSS_MB,
});
const results = {
  measuredAt: new Date().toISOString(),
  targets: { rowsPerSecond: TARGET_ROWS_PER_SECOND, peakRssMb: TARGET_PEAK_RSS_MB },
  runner: 'an esbuild bundle of bench/screening-import-run.ts, one fresh process per run, --expose-gc',
  heapCapMb: HEAP_CAP_MB,
  runs: runs.map((r) => ({ ...r, goals: goalsOf(r) })),
};
const f = (n: number, digits = 1) => n.toFixed(digits);
const yes = (b: boolean) => (b ? 'met' : '**missed**');
type Measured = (typeof results.runs)[number];
const r0 = results.runs[0]!;
const m = r0.machine;
const capOf = (r: Measured) => (r.plan.heapCapMb === null ? 'none' : `${r.plan.heapCapMb} MB`);
const row = (r: Measured, what: string, x: Pass, p: Peak) =>
  `| ${NAMES[r.plan.deployment]} | ${capOf(r)} | ${what} | ${x.answer.rows} | ${f(x.connector.seconds, 2)} | ${f(x.connector.rowsPerSecond, 0)} | ${f(x.endToEnd.seconds, 2)} | ${f(x.endToEnd.rowsPerSecond, 0)} | ${x.reports.count} | ${x.reports.applied} | ${x.reports.unchanged} | ${f(r.memory.baseline.rssMb, 0)} | ${f(p.peakRssMb, 0)} | ${f(p.peakRssDeltaMb, 0)} | ${f(p.peakHeapUsedMb, 0)} |`;
const find = (d: Deployment, students: number, capped: boolean) =>
  results.runs.find((r) => r.plan.deployment === d && r.plan.students === students && (r.plan.heapCapMb !== null) === capped);
const lines = [
  '# Screening import: a 50,000-row census file in one go, streamed',
  '',
  `Measured ${results.measuredAt} on ${m.platform}, ${m.cpus} × ${m.cpuModel}, ${f(m.memoryGb, 0)} GB, Node ${m.node}; one run per row.`,
  `Two deployments side by side, each run a whole hub with embedded connectors in a fresh process loaded from an esbuild bundle (as \`npm start\` runs the hub), on an empty store: **${NAMES.embedded}** (PGlite in a fresh data directory, as \`npm start\` keeps it, and the bus, in the hub's process) and **${NAMES['kafka-postgresql']}** (the test harness's broker and server on this machine, each in its own process, outside the hub's RSS; a new database for each run). ${STUDENTS} students enrolled at ${SCHOOL} (not timed); the file (${f(mb(r0.first.fileBytes), 1)} MB) is ${r0.settings.goodRows} good rows (${r0.settings.scales.length} scales × ${r0.settings.students} students) and ${r0.settings.badRows} bad ones (score out of range, unknown scale, bad date, no assessor, future date: one in 200), generated as it is read and posted as a streamed body to \`POST /connectors/${SCHOOL}/imports/screenings\` through the hub's fetch handler (no socket). *Answer*: until the connector's 202 (parse, validate, sign and publish every batch of up to 2,000 rows). *Applied*: until the school's inbox holds a \`screening-batch-applied\` report for every batch (read and acknowledged as they come, 500 a read). Rows/s count every row of the file.`,
  '',
  `Each deployment runs three times: as started (V8 sizes its heap itself), with the old generation capped at ${HEAP_CAP_MB} MB (\`--max-old-space-size=${HEAP_CAP_MB}\`, as a deployment that wants its memory predictable sets it), and capped with a file ${LARGER} times larger (${STUDENTS * LARGER} students). Uncapped, V8 lets garbage pile up before it collects, so the peak follows the allocation rate; capped, the import must fit, so the run shows what it really holds, and the larger file shows whether that grows with the file.`,
  '',
  '| deployment | heap cap | run | rows | answer (s) | answer rows/s | applied (s) | applied rows/s | batch reports | applied | unchanged | RSS before (MB) | peak RSS (MB) | peak − before (MB) | peak heap used (MB) |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
];
for (const r of results.runs) lines.push(row(r, 'first import', r.first, r.memory.first), row(r, 'same file again', r.again, r.memory.again));
lines.push('');
for (const d of DEPLOYMENTS) {
  const r = find(d, STUDENTS, false)!;
  lines.push(
    `- ${NAMES[d]}, as started: before the hub ${f(r.memory.beforeHub.rssMb, 0)} MB RSS; before the import ${f(r.memory.baseline.rssMb, 0)} MB RSS, ${f(r.memory.baseline.heapUsedMb, 0)} MB heap used; after the first import and a GC ${f(r.memory.afterFirstGc.rssMb, 0)} MB RSS, ${f(r.memory.afterFirstGc.heapUsedMb, 0)} MB heap used (memory after forced GCs). Sampled every ${r.settings.sampleMs} ms on the hub's thread and from a worker thread (${r.memory.first.mainThreadSamples} and ${r.memory.first.workerSamples} samples in the first import${r.memory.first.mainThreadSamples === 0 ? ': the event loop was held the whole time, so the peak heap is only the value at the end' : ''}). ${d === 'embedded' ? 'RSS includes the PGlite store: its WebAssembly engine asks for 128 MB at least, and its caches and the pages it reads grow with the results it keeps.' : 'The store and the broker are outside this RSS.'} The connector alone (csv-parse and zod over the same generated file, no bus or hub): parse + validate ${f(r.connectorAlone.parseValidate.rowsPerSecond, 0)} rows/s; with signing each batch ${f(r.connectorAlone.parseValidateSign.rowsPerSecond, 0)} rows/s.`,
  );
}
lines.push('', '## Goals (issue 8)', '');
for (const d of DEPLOYMENTS) {
  const name = NAMES[d];
  const free = find(d, STUDENTS, false)!;
  const capped = find(d, STUDENTS, true)!;
  const larger = find(d, STUDENTS * LARGER, true)!;
  lines.push(
    `- ${name}: ≥ ${TARGET_ROWS_PER_SECOND} rows/s until every batch is applied: ${f(free.first.endToEnd.rowsPerSecond, 0)} rows/s as started, ${f(capped.first.endToEnd.rowsPerSecond, 0)} capped, ${f(larger.first.endToEnd.rowsPerSecond, 0)} with the larger file, ${yes(free.goals.endToEndRowsPerSecond && capped.goals.endToEndRowsPerSecond && larger.goals.endToEndRowsPerSecond)} (connector answer ${f(free.first.connector.rowsPerSecond, 0)} rows/s).`,
    `- ${name}: peak RSS under ${TARGET_PEAK_RSS_MB} MB: ${f(free.memory.first.peakRssMb, 0)} MB as started, ${yes(free.goals.peakRssUnder256Mb)}; ${f(capped.memory.first.peakRssMb, 0)} MB capped, ${yes(capped.goals.peakRssUnder256Mb)}. The import's own growth (peak − before): ${f(free.memory.first.peakRssDeltaMb, 0)} MB as started, ${f(capped.memory.first.peakRssDeltaMb, 0)} MB capped.`,
    `- ${name}: flat: capped, ${LARGER}× the rows peaked at ${f(larger.memory.first.peakRssMb, 0)} MB RSS against ${f(capped.memory.first.peakRssMb, 0)} MB (growth ${f(larger.memory.first.peakRssDeltaMb, 0)} against ${f(capped.memory.first.peakRssDeltaMb, 0)} MB).`,
  );
}
for (const r of results.runs)
  lines.push(
    `- Checks, ${NAMES[r.plan.deployment]}, heap cap ${capOf(r)}, ${r.plan.students} students: connector accepted ${r.first.answer.accepted} and refused ${r.first.answer.rejectedCount} (${r.checks.firstAccepted ? 'as generated' : '**not as generated**'}); the reports add up to ${r.first.reports.applied} applied (${r.checks.firstAppliedAll ? 'every good row' : '**not every good row**'}); sent again, ${r.again.reports.applied} applied and ${r.again.reports.unchanged} unchanged (${r.checks.againAppliedNothing ? 'idempotent' : '**not idempotent**'}).`,
  );
lines.push('');
const markdown = lines.join('\n');
await mkdir('bench/results', { recursive: true });
await writeFile('bench/results/screening-import.json', `${JSON.stringify(results, null, 2)}\n`);
await writeFile('bench/results/screening-import.md', markdown);
console.log(markdown);
if (!results.runs.every((r) => Object.values(r.checks).every(Boolean))) process.exitCode = 1;
