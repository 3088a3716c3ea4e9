import { mkdir, writeFile } from 'node:fs/promises';
import { createLogger } from '../adapters/logging/create-logger.js';
import { readWorkCounters } from '../adapters/metrics/work-counters.js';
import { createOpaWasmPolicyEngine } from '../adapters/policy/opa-wasm-policy-engine.js';
import type { PolicyEngine } from '../core/ports/policy-engine.js';
import { createHub, type Hub } from '../gateway/create-hub.js';
import { gql, tokenFor } from '../test/support/hub-client.js';
import { growTo, QUERIED_SCHOOL, seedTemplates } from './list-scale-seed.js';
import { describeMachine } from './machine.js';
import { summarise } from './stats.js';

/**
 * `BENCH_ONLY=policy-enforcement npm run bench`: issue 9's goal, the same queries with and without policy
 * enforcement, side by side in one run (goal: enforced / not enforced ≤ 1.15), with the policy decisions, audit
 * entries and SQL statements per request. Three embedded hubs on PGlite with the same seeded referrals: the hub as
 * it ships (the compiled Rego with the policy's context: consents, relationships, emergencies, looked up per page;
 * decisions remembered by input), the same with every decision evaluated (the worst case, objects that never look
 * alike), and one with an engine that allows everything (the context is still looked up: it is wired into every
 * hub). Requests rotate between the hubs so that all see the same machine state. Writes
 * bench/results/policy-enforcement.{json,md}.
 */
const num = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback);
const REFERRALS = num('BENCH_ENFORCEMENT_REFERRALS', 2000);
const SAMPLES = num('BENCH_ENFORCEMENT_SAMPLES', 300);
const WARMUP = num('BENCH_ENFORCEMENT_WARMUP', 30);
const logger = createLogger({ name: 'bench', level: 'silent' });

const QUERIES = {
  'a 50-item page of referrals': `{ referrals(first: 50) { items { id code state channel subjectId reason createdAt overdue availableActions
      assessment { category } guardianNotice { givenAt } appointment { start } school { id name } hospital { id name }
      timeline { sequence state action at actorAgency { id } } } hasMore } }`,
  'one referral by id': `query($id: ID!) { referral(id: $id) { id state reason treatmentUpdates { kind guidance } timeline { state at } } }`,
} as const;

/** Answers every question with "allowed, every field": what the hub costs without enforcement. Never used by the hub. */
const ALL_FIELDS = ['id', 'code', 'channel', 'state', 'subjectId', 'reason', 'assessment', 'guardianNotice', 'appointment', 'treatmentUpdates'];
const allowAll: PolicyEngine = {
  decide: async () => ({
    allow: true,
    conceal: false,
    fields: [...ALL_FIELDS, 'followUps', 'breaches', 'schoolAgencyId', 'hospitalAgencyId', 'createdAt', 'updatedAt', 'createdBy', 'timeline', 'declineReason'],
    reasons: [],
    basis: 'none',
    obligations: [],
  }),
};

async function seeded(policy?: PolicyEngine): Promise<{ hub: Hub; token: string; referralId: string }> {
  const hub = await createHub({
    logger,
    deadlineCheckIntervalMs: 0,
    retentionIntervalMs: 0,
    auditCheckpointIntervalMs: 0,
    ...(policy ? { policy } : {}),
  });
  await seedTemplates(hub, { queriedSchool: 40, otherSchool: 8 });
  await growTo(hub.sql, REFERRALS);
  const [row] = await hub.sql.query<{ id: string }>('SELECT id FROM referrals WHERE school_agency_id = $1 ORDER BY created_at DESC LIMIT 1', [QUERIED_SCHOOL]);
  return { hub, token: await tokenFor(hub.keyRing, QUERIED_SCHOOL, 'psychology-teacher'), referralId: row!.id };
}

async function timed(target: { hub: Hub; token: string; referralId: string }, query: string): Promise<number> {
  const started = performance.now();
  const result = await gql(target.hub.fetch, target.token, query, { id: target.referralId });
  const ms = performance.now() - started;
  if (result.errors?.length) throw new Error(`benchmark query failed: ${JSON.stringify(result.errors)}`);
  return ms;
}

async function workPerRequest(target: { hub: Hub; token: string; referralId: string }, query: string, runs = 20) {
  const before = await readWorkCounters();
  const [{ n: auditBefore } = { n: 0 }] = await target.hub.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_log');
  for (let i = 0; i < runs; i++) await timed(target, query);
  const after = await readWorkCounters();
  const [{ n: auditAfter } = { n: 0 }] = await target.hub.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_log');
  return {
    policyDecisions: (after.policyDecisions - before.policyDecisions) / runs,
    policyEvaluations: (after.policyEvaluations - before.policyEvaluations) / runs,
    auditEntries: (auditAfter - auditBefore) / runs,
    // The two counting queries above are this benchmark's, not the request's.
    sqlStatements: (after.sqlStatements - before.sqlStatements - 1) / runs,
  };
}

const hubs = {
  enforced: await seeded(),
  evaluatedEveryTime: await seeded(await createOpaWasmPolicyEngine({ decisionCacheSize: 0 })),
  notEnforced: await seeded(allowAll),
};
type Which = keyof typeof hubs;
const WHICH = Object.keys(hubs) as Which[];
const results: Record<string, unknown> = {};
try {
  for (const [name, query] of Object.entries(QUERIES)) {
    // The shipped hub's first sight of the page, before anything about it is remembered.
    const firstSight = await workPerRequest(hubs.enforced, query, 1);
    const samples: Record<Which, number[]> = { enforced: [], evaluatedEveryTime: [], notEnforced: [] };
    for (let i = 0; i < WARMUP + SAMPLES; i++) {
      // Rotate which hub goes first, so none always follows another's garbage.
      const order = WHICH.map((_, k) => WHICH[(i + k) % WHICH.length]!);
      for (const which of order) {
        const ms = await timed(hubs[which], query);
        if (i >= WARMUP) samples[which].push(ms);
      }
    }
    const e = summarise(samples.enforced);
    const every = summarise(samples.evaluatedEveryTime);
    const o = summarise(samples.notEnforced);
    results[name] = {
      enforced: { ...e, perRequest: await workPerRequest(hubs.enforced, query), firstSight },
      evaluatedEveryTime: { ...every, perRequest: await workPerRequest(hubs.evaluatedEveryTime, query) },
      notEnforced: { ...o, perRequest: await workPerRequest(hubs.notEnforced, query) },
      ratio: { p50: e.p50 / o.p50, p99: e.p99 / o.p99, mean: e.mean / o.mean },
      ratioEvaluatedEveryTime: { p50: every.p50 / o.p50, p99: every.p99 / o.p99, mean: every.mean / o.mean },
    };
  }
} finally {
  for (const which of WHICH) await hubs[which].hub.stop();
}

const machine = describeMachine(false);
const report = {
  benchmark: 'policy-enforcement',
  at: new Date().toISOString(),
  machine,
  referrals: REFERRALS,
  samples: SAMPLES,
  goal: { ratio: 1.15 },
  results,
};
await mkdir(new URL('./results/', import.meta.url), { recursive: true });
await writeFile(new URL('./results/policy-enforcement.json', import.meta.url), `${JSON.stringify(report, null, 2)}\n`);
const f = (n: number, d = 1) => n.toFixed(d);
type Measured = ReturnType<typeof summarise> & { perRequest: Record<string, number>; firstSight?: Record<string, number> };
type Row = Record<Which, Measured> & { ratio: Record<string, number>; ratioEvaluatedEveryTime: Record<string, number> };
const md = [
  '# Policy enforcement: the same queries with and without it (issue 9)',
  '',
  `Measured ${report.at} on ${machine.platform}, ${machine.cpus} × ${machine.cpuModel}, ${Math.round(machine.memoryGb)} GB, Node ${machine.node}. Three embedded hubs (PGlite in memory), ${REFERRALS} referrals each, ${SAMPLES} samples per query per hub after ${WARMUP} warm-up, requests rotating between the hubs.`,
  '',
  "- *Enforced*: the hub as it ships: the compiled Rego with the policy's context (consents, relationships, emergencies; one lookup per page), decisions remembered by input (a page of objects that look alike to the policy costs one evaluation).",
  '- *Evaluated every time*: the same, with nothing remembered: every decision is a wasm evaluation. The worst case, a page where no two objects look alike to the policy.',
  '- *Not enforced*: an engine that allows every field (the context lookup still runs).',
  '',
  'The seeded referrals come from a few dozen templates and the queries repeat, so the enforced hub answers most decisions from memory here (its first sight of a page is counted apart); a store where every child has its own consents sits between the first two columns. Goal: enforced / not enforced ≤ 1.15.',
  '',
  '| query | enforced p50 / p99 (ms) | evaluated every time p50 / p99 (ms) | not enforced p50 / p99 (ms) | ratio p50 | ratio p99 | ratio mean | goal | ratio mean, evaluated every time | decisions / request | evaluations / request (enforced first sight, enforced, every time) | audit entries / request | SQL statements / request (enforced, not) |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ...Object.entries(results as Record<string, Row>).map(
    ([name, r]) =>
      `| ${name} | ${f(r.enforced.p50)} / ${f(r.enforced.p99)} | ${f(r.evaluatedEveryTime.p50)} / ${f(r.evaluatedEveryTime.p99)} | ${f(r.notEnforced.p50)} / ${f(r.notEnforced.p99)} | ${f(r.ratio.p50!, 2)} | ${f(r.ratio.p99!, 2)} | ${f(r.ratio.mean!, 2)} | ${r.ratio.mean! <= 1.15 ? 'met' : '**missed**'} | ${f(r.ratioEvaluatedEveryTime.mean!, 2)} | ${f(r.enforced.perRequest.policyDecisions!, 0)} | ${f(r.enforced.firstSight!.policyEvaluations!, 0)}, ${f(r.enforced.perRequest.policyEvaluations!, 1)}, ${f(r.evaluatedEveryTime.perRequest.policyEvaluations!, 0)} | ${f(r.enforced.perRequest.auditEntries!, 0)} | ${f(r.enforced.perRequest.sqlStatements!, 1)}, ${f(r.notEnforced.perRequest.sqlStatements!, 1)} |`,
  ),
  '',
];
await writeFile(new URL('./results/policy-enforcement.md', import.meta.url), md.join('\n'));
console.log(md.join('\n'));
