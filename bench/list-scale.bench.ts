import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { serve } from '@hono/node-server';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { createYoga } from 'graphql-yoga';
import { createLogger } from '../adapters/logging/create-logger.js';
import { readWorkCounters } from '../adapters/metrics/work-counters.js';
import { encodeCursor } from '../core/paging/page-cursor.js';
import { createHub, type Hub } from '../gateway/create-hub.js';
import { startPostgresServer, type PostgresServer } from '../test/harness/postgres-server.js';
import { gql, tokenFor, type GqlResult } from '../test/support/hub-client.js';
import { growTo, positionAt, QUERIED_SCHOOL, seedTemplates, visibleCount } from './list-scale-seed.js';
import { describeMachine } from './machine.js';
import { gc, memory, type Memory, settledMemory, sleep } from './memory.js';
import { summarise } from './stats.js';

/**
 * `npm run bench` (or `BENCH_ONLY=list-scale npm run bench`): the referral list at scale, issue 7's targets.
 * For each store (PGlite in a data directory as `npm start` runs it, a real PostgreSQL) and each size (default 1k, 10k, 100k referrals): p50/p99 of
 * a 50-item page for a school psychology teacher, first page and a deep page (cursor after half the rows); then at
 * the largest size the work per page (SQL statements, policy decisions, JWS), /health latency while 16 clients
 * list, and list throughput against a bare graphql-yoga serving the same page from memory. On PGlite also the
 * process's memory at rest, after seeding and after listing every row page by page. All requests go to the hub's
 * fetch handler in-process (no socket), except /health under load, which goes over loopback HTTP from a worker
 * thread (see healthUnderListing). Writes bench/results/list-scale.{json,md}.
 */
const num = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback);
const SIZES = (process.env.BENCH_LIST_SIZES ?? '1000,10000,100000').split(',').map(Number);
const STORES = (process.env.BENCH_LIST_STORES ?? 'pglite,postgresql').split(',') as Array<'pglite' | 'postgresql'>;
const SAMPLES = num('BENCH_LIST_SAMPLES', 200);
const WARMUP = num('BENCH_LIST_WARMUP', 20);
const CONCURRENCY = num('BENCH_LIST_CONCURRENCY', 16);
const WINDOW_MS = num('BENCH_LIST_WINDOW_SECONDS', 5) * 1000;
/**
 * Where the PGlite store lives: `directory` (default), as `npm start` keeps it, so the memory section measures the
 * hub as it runs; `memory` as the tests keep it (the store's files in the process's memory).
 */
const PGLITE_STORE = process.env.BENCH_LIST_PGLITE === 'memory' ? 'memory' : 'directory';
/** Listing every row page by page (PGlite, memory section); 0 skips it. */
const FULL_LISTING = process.env.BENCH_LIST_FULL !== '0';
const PAGE_SIZE = 50;
const TEMPLATES = { queriedSchool: 40, otherSchool: 8 };
const logger = createLogger({ name: 'bench', level: 'silent' });

/** What a school's case list shows: the row, both agencies, the assessment and notice summaries, the timeline. */
const PAGE_QUERY = `query Page($first: Int!, $after: String) {
  referrals(first: $first, after: $after) {
    items {
      id code state channel subjectId reason createdBy createdAt updatedAt overdue availableActions
      assessment { category assessedAt }
      guardianNotice { givenAt channel }
      appointment { start location }
      school { id name type districtId }
      hospital { id name type }
      timeline { sequence state action at actorUserId actorAgency { id name } }
    }
    endCursor
    hasMore
  }
}`;

interface PageItem {
  id: string;
  code: string | null;
  state: string | null;
  reason: string | null;
  createdAt: string | null;
  assessment: { category: number | null } | null;
  school: { id: string } | null;
  hospital: { id: string } | null;
  timeline: unknown[] | null;
}
interface Page {
  referrals: { items: PageItem[]; endCursor: string | null; hasMore: boolean };
}
type Fetch = (request: Request) => Promise<Response> | Response;

type Summary = ReturnType<typeof summarise>;

async function page(fetch: Fetch, token: string, after?: string | null): Promise<GqlResult<Page>> {
  return gql<Page>(fetch, token, PAGE_QUERY, { first: PAGE_SIZE, after: after ?? null });
}

function pageOrThrow(result: GqlResult<Page>, what: string): Page['referrals'] {
  if (result.errors?.length || !result.data) throw new Error(`${what}: ${JSON.stringify(result.errors ?? result.status)}`);
  return result.data.referrals;
}

/**
 * The page is full, every row readable: no errors, 50 items, the fields a teacher sees filled in, sealed columns
 * opened (reason and assessment of clones are their templates' sealed blobs, copied).
 */
function verifyPage(result: GqlResult<Page>, what: string): void {
  const items = pageOrThrow(result, what).items;
  if (items.length !== PAGE_SIZE) throw new Error(`${what}: ${items.length} items, not ${PAGE_SIZE}.`);
  for (const item of items) {
    const missing = (['code', 'state', 'createdAt', 'school', 'hospital', 'timeline', 'reason', 'assessment'] as const).filter((k) => item[k] === null);
    if (missing.length) throw new Error(`${what}: referral ${item.id} came back without ${missing.join(', ')}.`);
    if (!item.reason?.startsWith('benchmark template') || item.assessment?.category !== 3 || !item.timeline?.length)
      throw new Error(`${what}: referral ${item.id} did not read back as its template (${JSON.stringify(item)}).`);
    if (item.school?.id !== QUERIED_SCHOOL && item.hospital?.id !== QUERIED_SCHOOL) throw new Error(`${what}: referral ${item.id} is not the school's.`);
  }
}

async function timeSequential(work: () => Promise<unknown>, samples = SAMPLES, warmup = WARMUP): Promise<Summary> {
  for (let i = 0; i < warmup; i++) await work();
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const started = performance.now();
    await work();
    times.push(performance.now() - started);
  }
  return summarise(times);
}

/** `workers` loops calling `work` for `ms`; answers completed calls per second. */
async function throughput(work: () => Promise<void>, workers = CONCURRENCY, ms = WINDOW_MS): Promise<{ requests: number; seconds: number; perSecond: number }> {
  const warmUntil = performance.now() + 1000;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (performance.now() < warmUntil) await work();
    }),
  );
  let requests = 0;
  const started = performance.now();
  const until = started + ms;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (performance.now() < until) {
        await work();
        requests++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { requests, seconds, perSecond: requests / seconds };
}

/** The same 50 objects from memory through a bare graphql-yoga on the hub's own SDL: what GraphQL alone costs. */
function bareYoga(items: Page['referrals']) {
  const dir = new URL('../schema/', import.meta.url);
  const typeDefs = ['hub.graphql', 'referral.graphql', 'subject.graphql'].map((f) => readFileSync(new URL(f, dir), 'utf8'));
  const schema = makeExecutableSchema({ typeDefs, resolvers: { Query: { referrals: () => items } } });
  const yoga = createYoga({ schema, logging: false, graphiql: false, graphqlEndpoint: '/graphql' });
  return (request: Request) => yoga.fetch(request);
}

/**
 * /health, sequential, idle and then while `CONCURRENCY` clients page through the list. Here the hub listens on
 * loopback and the clients run in a worker thread: in-process closed-loop clients on PGlite never let the event
 * loop reach its timers (every step is a resolved promise, PGlite runs synchronously), so a probe in the same
 * loop would measure nothing but the benchmark.
 */
async function healthUnderListing(hub: Hub, token: string) {
  const server = serve({ fetch: hub.fetch, port: 0, hostname: '127.0.0.1' });
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const loop = monitorEventLoopDelay({ resolution: 1 });
  try {
    const worker = new Worker(new URL('./list-scale-load.mjs', import.meta.url), {
      workerData: {
        url: `http://127.0.0.1:${port}`,
        token,
        query: PAGE_QUERY,
        pageSize: PAGE_SIZE,
        concurrency: CONCURRENCY,
        windowMs: WINDOW_MS,
        idleSamples: SAMPLES,
      },
    });
    loop.enable();
    const [answer] = (await once(worker, 'message')) as [{ idle: number[]; loaded: number[]; pagesPerSecond: number }];
    loop.disable();
    await worker.terminate();
    const idle = summarise(answer.idle);
    const loaded = summarise(answer.loaded);
    return {
      idle,
      underListing: loaded,
      stallBeyondIdleMs: { p99: loaded.p99 - idle.p50, max: loaded.max - idle.p50 },
      listingPagesPerSecond: answer.pagesPerSecond,
      eventLoopDelayMs: { p50: loop.percentile(50) / 1e6, p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 },
    };
  } finally {
    loop.disable();
    await new Promise((resolve) => server.close(resolve));
  }
}

/** Work counters across one page request; the least of `tries` so a background poll (bus, relay) is not counted. */
async function workPerPage(hub: Hub, token: string, after: string | null, tries = 10) {
  let best: Awaited<ReturnType<typeof readWorkCounters>> | null = null;
  for (let i = 0; i < tries; i++) {
    const before = await readWorkCounters();
    pageOrThrow(await page(hub.fetch, token, after), 'work counters');
    const afterCounters = await readWorkCounters();
    const delta = {
      sqlStatements: afterCounters.sqlStatements - before.sqlStatements,
      policyDecisions: afterCounters.policyDecisions - before.policyDecisions,
      policyEvaluations: afterCounters.policyEvaluations - before.policyEvaluations,
      jwsSigned: afterCounters.jwsSigned - before.jwsSigned,
      jwsVerified: afterCounters.jwsVerified - before.jwsVerified,
    };
    if (!best || delta.sqlStatements < best.sqlStatements) best = delta;
    await sleep(20);
  }
  return best!;
}

/**
 * Where one page's time goes: every statement the stores send through `hub.sql` during one request (wrapped here,
 * for this request only; statements inside `sql.transaction` are not seen), with its duration.
 */
async function statementBreakdown(hub: Hub, token: string, after: string | null) {
  const statements: Array<{ sql: string; ms: number }> = [];
  const original = hub.sql.query.bind(hub.sql);
  hub.sql.query = async (text: string, params?: unknown[]) => {
    const started = performance.now();
    try {
      return await original(text, params);
    } finally {
      statements.push({ sql: text.replace(/\s+/g, ' ').slice(0, 110), ms: performance.now() - started });
    }
  };
  const started = performance.now();
  try {
    pageOrThrow(await page(hub.fetch, token, after), 'statement breakdown');
  } finally {
    hub.sql.query = original;
  }
  return { requestMs: performance.now() - started, statements };
}

/** Every row the school sees, page by page, as one client would: pages, rows, seconds. */
async function listEverything(hub: Hub, token: string) {
  let after: string | null = null;
  let pages = 0;
  let rows = 0;
  const started = performance.now();
  for (;;) {
    const connection = pageOrThrow(await page(hub.fetch, token, after), 'full listing');
    pages++;
    rows += connection.items.length;
    if (!connection.hasMore) break;
    after = connection.endCursor;
  }
  return { pages, rows, seconds: (performance.now() - started) / 1000 };
}

interface SizeResult {
  referrals: number;
  visibleToSchool: number;
  deepOffset: number;
  seedSeconds: number;
  firstPage: Summary;
  deepPage: Summary;
}

async function benchStore(store: 'pglite' | 'postgresql') {
  let server: PostgresServer | null = null;
  if (store === 'postgresql') server = await startPostgresServer();
  const dataDir = store === 'pglite' && PGLITE_STORE === 'directory' ? await mkdtemp(join(tmpdir(), 'careloop-list-scale-')) : null;
  const beforeHub = await settledMemory();
  // The deadline watch is off: 100k open clones with 2024 dates would have it raise breaches mid-measurement.
  const hub = await createHub({ logger, deadlineCheckIntervalMs: 0, ...(server ? { databaseUrl: server.url } : {}), ...(dataDir ? { dataDir } : {}) });
  const mem: Record<string, Memory> = { beforeHub, atRest: await settledMemory() };
  try {
    const token = await tokenFor(hub.keyRing, QUERIED_SCHOOL, 'psychology-teacher');
    const seedStarted = performance.now();
    await seedTemplates(hub, TEMPLATES);
    const templateSeconds = (performance.now() - seedStarted) / 1000;
    await sleep(1000); // the templates' events settle through the bus and the embedded connectors
    const sizes: SizeResult[] = [];
    for (const size of SIZES) {
      const grown = performance.now();
      await growTo(hub.sql, size);
      const seedSeconds = (performance.now() - grown) / 1000;
      const visible = await visibleCount(hub.sql);
      const deepOffset = Math.floor(visible / 2);
      const deepCursor = encodeCursor(await positionAt(hub.sql, deepOffset - 1));
      verifyPage(await page(hub.fetch, token), `${store} ${size} first page`);
      verifyPage(await page(hub.fetch, token, deepCursor), `${store} ${size} deep page`);
      if (size === Math.max(...SIZES) && store === 'pglite') mem.seeded = await settledMemory();
      const firstPage = await timeSequential(async () => void pageOrThrow(await page(hub.fetch, token), 'first page'));
      const deepPage = await timeSequential(async () => void pageOrThrow(await page(hub.fetch, token, deepCursor), 'deep page'));
      sizes.push({ referrals: size, visibleToSchool: visible, deepOffset, seedSeconds, firstPage, deepPage });
      console.log(
        `${store} ${size}: first p50 ${firstPage.p50.toFixed(1)} p99 ${firstPage.p99.toFixed(1)}; deep p50 ${deepPage.p50.toFixed(1)} p99 ${deepPage.p99.toFixed(1)} ms`,
      );
    }

    const largest = sizes.at(-1)!;
    const deepCursor = encodeCursor(await positionAt(hub.sql, largest.deepOffset - 1));
    const work = { firstPage: await workPerPage(hub, token, null), deepPage: await workPerPage(hub, token, deepCursor) };
    console.log(`${store}: work per page ${JSON.stringify(work.firstPage)}`);
    const breakdown = await statementBreakdown(hub, token, deepCursor);
    const health = await healthUnderListing(hub, token);
    console.log(
      `${store}: /health idle p50 ${health.idle.p50.toFixed(2)}, listing p99 ${health.underListing.p99.toFixed(1)} max ${health.underListing.max.toFixed(1)} ms`,
    );

    const served = pageOrThrow(await page(hub.fetch, token), 'page for the bare server');
    const bare = bareYoga(served);
    const bareAnswer = await page(bare, token);
    if (JSON.stringify(bareAnswer.data) !== JSON.stringify({ referrals: served }))
      throw new Error(`The bare yoga answers another page: ${JSON.stringify(bareAnswer).slice(0, 300)}`);
    const hubThroughput = await throughput(async () => void pageOrThrow(await page(hub.fetch, token), 'hub throughput'));
    const bareThroughput = await throughput(async () => void pageOrThrow(await page(bare, token), 'bare throughput'));
    console.log(`${store}: hub ${hubThroughput.perSecond.toFixed(1)} req/s, bare yoga ${bareThroughput.perSecond.toFixed(1)} req/s`);

    let fullListing: Awaited<ReturnType<typeof listEverything>> | null = null;
    if (store === 'pglite' && FULL_LISTING) {
      mem.beforeListing = await settledMemory();
      fullListing = await listEverything(hub, token);
      mem.afterListing = memory();
      mem.afterListingGc = await settledMemory();
      console.log(`${store}: listed ${fullListing.rows} rows in ${fullListing.pages} pages, ${fullListing.seconds.toFixed(1)} s`);
    }
    return {
      store,
      templateSeconds,
      sizes,
      workPerPage: work,
      statementBreakdown: breakdown,
      health,
      throughput: { hub: hubThroughput, bareYoga: bareThroughput, ratio: hubThroughput.perSecond / bareThroughput.perSecond },
      fullListing,
      memory: mem,
    };
  } finally {
    await hub.stop();
    await server?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  }
}

const started = performance.now();
const stores = [];
for (const store of STORES) stores.push(await benchStore(store));
const totalSeconds = (performance.now() - started) / 1000;

const results = {
  measuredAt: new Date().toISOString(),
  machine: describeMachine(Boolean(gc)),
  settings: {
    sizes: SIZES,
    samples: SAMPLES,
    warmup: WARMUP,
    pageSize: PAGE_SIZE,
    concurrency: CONCURRENCY,
    windowSeconds: WINDOW_MS / 1000,
    templates: TEMPLATES,
    pgliteStore: PGLITE_STORE,
  },
  unit: 'ms',
  totalSeconds,
  stores,
  targets: { pageP99Ms: 50, healthStallMs: 20, throughputRatio: 0.5, rssAtRestMb: 250, rssAfterListingWithin: 0.1 },
};

const f = (n: number | undefined, digits = 1) => (n === undefined || Number.isNaN(n) ? '–' : n.toFixed(digits));
const mb = (m: Memory | undefined) => (m ? `${f(m.rssMb, 0)} | ${f(m.heapUsedMb, 0)}` : '– | –');
const lines = [
  '# List at scale: a 50-item page of referrals with 1k to 100k in the store',
  '',
  `Measured ${results.measuredAt} on ${results.machine.platform}, ${results.machine.cpus} × ${results.machine.cpuModel}, ${f(results.machine.memoryGb, 0)} GB, Node ${results.machine.node}; one run, ${f(totalSeconds, 0)} s in all.`,
  `Every request is a school psychology teacher's \`referrals(first: ${PAGE_SIZE}, after:)\` with the case list's selection (row fields, sealed reason and assessment, both agencies, the timeline with each actor agency), posted to the hub's fetch handler in-process (no socket; /health below excepted), with the token checked as on any request. ${TEMPLATES.queriedSchool + TEMPLATES.otherSchool} referrals were made through GraphQL (SENT, ACCEPTED, SCHEDULED, DECLINED; ${TEMPLATES.queriedSchool} of the queried school), then cloned in SQL with new ids, codes, students and timestamps (sealed columns copied: the cipher binds to the column only); every size was checked to read back through GraphQL without errors before timing. Latency: ${SAMPLES} sequential requests after ${WARMUP} warm-up; the deep page starts after half the rows the school sees. PGlite ${PGLITE_STORE === 'directory' ? 'in a fresh data directory, as `npm start` keeps it' : 'in memory, as the tests keep it'}; PostgreSQL a throw-away local cluster (fsync off), ANALYZEd after seeding. Deadline watch off.`,
  '',
  '| store | referrals | school sees | first page p50 | first page p99 | deep page p50 | deep page p99 |',
  '| --- | --- | --- | --- | --- | --- | --- |',
  ...stores.flatMap((s) =>
    s.sizes.map(
      (z) =>
        `| ${s.store} | ${z.referrals} | ${z.visibleToSchool} | ${f(z.firstPage.p50)} | ${f(z.firstPage.p99)} | ${f(z.deepPage.p50)} | ${f(z.deepPage.p99)} |`,
    ),
  ),
  '',
  `Target: p99 ≤ 50 ms, flat from the smallest to the largest size.`,
  '',
  `## At ${Math.max(...SIZES)} referrals`,
  '',
  '| store | SQL statements / page | policy decisions / page | JWS verified / page | /health idle p50 | /health listing p50 | /health listing p99 | /health listing max | event-loop delay max | hub req/s | bare yoga req/s | hub / bare |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ...stores.map(
    (s) =>
      `| ${s.store} | ${s.workPerPage.firstPage.sqlStatements} (deep ${s.workPerPage.deepPage.sqlStatements}) | ${s.workPerPage.firstPage.policyDecisions} | ${s.workPerPage.firstPage.jwsVerified} | ${f(s.health.idle.p50, 2)} | ${f(s.health.underListing.p50)} | ${f(s.health.underListing.p99)} | ${f(s.health.underListing.max)} | ${f(s.health.eventLoopDelayMs.max)} | ${f(s.throughput.hub.perSecond)} | ${f(s.throughput.bareYoga.perSecond)} | ${f(s.throughput.ratio, 3)} |`,
  ),
  '',
  `Work counters (adapters/metrics/work-counters.ts) across one page request, the least of 10. /health: over HTTP on loopback (the hub served by @hono/node-server, the clients in a worker thread), sequential calls idle, then for ${WINDOW_MS / 1000} s while ${CONCURRENCY} clients page through the list, each going on with the next page (target: listing p99 and max within 20 ms of idle); event-loop delay is the hub thread's, meanwhile. Throughput: ${CONCURRENCY} concurrent clients for ${WINDOW_MS / 1000} s after 1 s warm-up, the first page; the bare graphql-yoga serves the hub's own SDL with one resolver returning that same page from memory (its answer checked identical) (target: hub / bare ≥ 0.5).`,
  '',
  `## One deep page's statements at ${Math.max(...SIZES)} (durations overlap: the stores run some in parallel)`,
  '',
  '| store | request (ms) | statement | ms |',
  '| --- | --- | --- | --- |',
  ...stores.flatMap((s) =>
    s.statementBreakdown.statements.map((q) => `| ${s.store} | ${f(s.statementBreakdown.requestMs)} | \`${q.sql.replaceAll('|', '\\|')}\` | ${f(q.ms, 2)} |`),
  ),
  '',
  `## Memory (process, PGlite ${PGLITE_STORE === 'directory' ? 'in a data directory: its engine and buffers live in this process, its files on disk' : 'in memory: the store lives in this process'})`,
  '',
  '| moment | RSS (MB) | heap used (MB) |',
  '| --- | --- | --- |',
  ...stores
    .filter((s) => s.store === 'pglite')
    .flatMap((s) => [
      `| before the hub (modules loaded) | ${mb(s.memory.beforeHub)} |`,
      `| at rest after startup | ${mb(s.memory.atRest)} |`,
      `| after seeding ${Math.max(...SIZES)} | ${mb(s.memory.seeded)} |`,
      `| before listing everything (after the latency runs) | ${mb(s.memory.beforeListing)} |`,
      `| after listing everything page by page${s.fullListing ? ` (${s.fullListing.rows} rows, ${s.fullListing.pages} pages, ${f(s.fullListing.seconds)} s)` : ''} | ${mb(s.memory.afterListing)} |`,
      `| ... then after GC | ${mb(s.memory.afterListingGc)} |`,
    ]),
  '',
  `${gc ? 'Each row after a forced full GC (--expose-gc) except the one straight after listing.' : 'No --expose-gc: no forced GC.'} Targets: RSS at rest ≤ 250 MB; after listing, within 10% of rest. ${PGLITE_STORE === 'directory' ? "PGlite's engine and buffer cache count in RSS, its files (and the audit rows every page adds) do not; the benchmark's own code is loaded too." : 'The in-memory PGlite store (and the audit rows every page adds) counts in RSS.'}`,
  '',
];
const markdown = lines.join('\n');
await mkdir('bench/results', { recursive: true });
await writeFile('bench/results/list-scale.json', `${JSON.stringify(results, null, 2)}\n`);
await writeFile('bench/results/list-scale.md', markdown);
console.log(markdown);
