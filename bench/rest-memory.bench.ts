import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundle } from '../scripts/build.mjs';
import { startFlags } from '../scripts/start-flags.mjs';
import { startPostgresServer } from '../test/harness/postgres-server.js';
import { describeMachine } from './machine.js';
import type { Memory } from './memory.js';

/**
 * `BENCH_ONLY=rest-memory npm run bench` (issue 7: RSS at rest ≤ 250 MB): a hub as `npm start` runs it, idle, its
 * memory after forced collections, loaded two ways side by side: from the TypeScript sources through tsx (how the
 * tests and `npm start` used to run it) and from the esbuild bundle `npm start` now builds. Each run is a fresh
 * process with a fresh data directory; the rounds alternate, and the medians are reported. Writes
 * bench/results/rest-memory.{json,md}.
 */
const ROUNDS = Number(process.env.BENCH_REST_ROUNDS ?? 5);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BUNDLE = fileURLToPath(new URL('../.cache/bench/rest-memory-probe.mjs', import.meta.url));

await bundle(['bench/rest-memory-probe.ts'], fileURLToPath(new URL('../.cache/bench/', import.meta.url)));

// Both ways with npm start's node flags (package.json), so that what differs is only how the code is loaded.
const ways = {
  'sources through tsx': ['--expose-gc', ...startFlags(), '--import', 'tsx', 'bench/rest-memory-probe.ts'],
  'esbuild bundle (npm start)': ['--expose-gc', ...startFlags(), BUNDLE],
} as const;
type Way = keyof typeof ways;
type Probe = { loaded: Memory; atRest: Memory };
const STARTS = ['first start', 'restart', 'on PostgreSQL'] as const;
type Start = (typeof STARTS)[number];

function probe(way: Way, store: { REST_MEMORY_DATA_DIR: string } | { REST_MEMORY_DATABASE_URL: string }): Probe {
  const run = spawnSync(process.execPath, ways[way], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '', ...store },
  });
  if (run.status !== 0) throw new Error(`rest-memory probe (${way}) failed: ${run.stderr}`);
  return JSON.parse(run.stdout.trim().split('\n').at(-1)!) as Probe;
}

// A first start creates the store (initdb); a restart reopens it, as a deployed hub does most of its life.
// On PostgreSQL the store's memory is the server's, not the hub's: the hub keeps a connection pool.
const samples: Record<Way, Record<Start, Probe[]>> = {
  'sources through tsx': { 'first start': [], restart: [], 'on PostgreSQL': [] },
  'esbuild bundle (npm start)': { 'first start': [], restart: [], 'on PostgreSQL': [] },
};
const server = await startPostgresServer();
try {
  // The schema is migrated once first, so every PostgreSQL run is a restart.
  probe('esbuild bundle (npm start)', { REST_MEMORY_DATABASE_URL: server.url });
  for (let i = 0; i < ROUNDS; i++) {
    const keys = Object.keys(ways) as Way[];
    for (const way of i % 2 === 0 ? keys : [...keys].reverse()) {
      const dataDir = await mkdtemp(join(tmpdir(), 'careloop-rest-'));
      try {
        samples[way]['first start'].push(probe(way, { REST_MEMORY_DATA_DIR: dataDir }));
        samples[way].restart.push(probe(way, { REST_MEMORY_DATA_DIR: dataDir }));
        samples[way]['on PostgreSQL'].push(probe(way, { REST_MEMORY_DATABASE_URL: server.url }));
      } finally {
        await rm(dataDir, { recursive: true, force: true });
      }
    }
  }
} finally {
  await server.stop();
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
type Row = { loadedRssMb: number; restRssMb: number; restHeapUsedMb: number; restExternalMb: number; restRssMbEachRun: number[] };
const summarise = (s: Probe[]): Row => {
  const pick = (k: keyof Memory, at: keyof Probe) => median(s.map((p) => p[at][k]));
  return {
    loadedRssMb: pick('rssMb', 'loaded'),
    restRssMb: pick('rssMb', 'atRest'),
    restHeapUsedMb: pick('heapUsedMb', 'atRest'),
    restExternalMb: pick('externalMb', 'atRest'),
    restRssMbEachRun: s.map((p) => p.atRest.rssMb),
  };
};
const summary = Object.fromEntries(
  (Object.keys(samples) as Way[]).map((way) => [way, Object.fromEntries(STARTS.map((start) => [start, summarise(samples[way][start])]))]),
) as Record<Way, Record<Start, Row>>;
const tsx = summary['sources through tsx'];
const bundled = summary['esbuild bundle (npm start)'];
const machine = describeMachine(true);
const report = {
  benchmark: 'rest-memory',
  at: new Date().toISOString(),
  machine,
  rounds: ROUNDS,
  goal: { restRssMb: 250 },
  results: summary,
  ratio: {
    firstStartRestRssBundleToTsx: bundled['first start'].restRssMb / tsx['first start'].restRssMb,
    restartRestRssBundleToTsx: bundled.restart.restRssMb / tsx.restart.restRssMb,
    postgresqlRestRssBundleToTsx: bundled['on PostgreSQL'].restRssMb / tsx['on PostgreSQL'].restRssMb,
  },
};
await mkdir(new URL('./results/', import.meta.url), { recursive: true });
await writeFile(new URL('./results/rest-memory.json', import.meta.url), `${JSON.stringify(report, null, 2)}\n`);
const f = (n: number) => n.toFixed(0);
const md = [
  '# Memory at rest: a hub as `npm start` runs it, idle (issue 7)',
  '',
  `Measured ${report.at} on ${machine.platform}, ${machine.cpus} × ${machine.cpuModel}, ${Math.round(machine.memoryGb)} GB, Node ${machine.node}. One hub on embedded defaults (a PGlite store in a data directory, the embedded bus, every seeded agency's connector embedded), started in a fresh process with npm start's node flags (\`${startFlags().join(' ')}\`, package.json; \`--no-liftoff\`: WebAssembly compiled once by V8's optimising compiler, not first by its baseline one and again for hot code, which left ~40 MB more resident) and left idle for 5 s; memory after two forced collections. *First start* creates the store in a fresh directory; *restart* is the next process on the same directory; *on PostgreSQL* is the hub with DATABASE_URL set (a server the benchmark starts; the server's own memory is not counted). ${ROUNDS} rounds, alternating the two ways of loading the code; medians (RSS swings by tens of MB run to run, see each run's figure). Goal: RSS at rest ≤ 250 MB.`,
  '',
  '| loaded from | start | RSS with the code loaded, before the hub (MB) | RSS at rest (MB) | heap used at rest (MB) | external at rest (MB) | RSS at rest, each run (MB) | goal |',
  '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ...(Object.keys(summary) as Way[]).flatMap((way) =>
    STARTS.map((start) => {
      const s = summary[way][start];
      return `| ${way} | ${start} | ${f(s.loadedRssMb)} | ${f(s.restRssMb)} | ${f(s.restHeapUsedMb)} | ${f(s.restExternalMb)} | ${s.restRssMbEachRun.map(f).join(', ')} | ${s.restRssMb <= 250 ? 'met' : '**missed**'} |`;
    }),
  ),
  '',
  `Bundle / tsx RSS at rest: first start ${report.ratio.firstStartRestRssBundleToTsx.toFixed(2)}, restart ${report.ratio.restartRestRssBundleToTsx.toFixed(2)}, on PostgreSQL ${report.ratio.postgresqlRestRssBundleToTsx.toFixed(2)}. *External* is mostly PGlite's WebAssembly memory as allocated (the database engine, its shared buffers and caches): the compiled module asks for at least 128 MB; only the pages PostgreSQL has touched count in RSS.`,
  '',
];
await writeFile(new URL('./results/rest-memory.md', import.meta.url), md.join('\n'));
console.log(md.join('\n'));
