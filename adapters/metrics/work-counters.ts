import { Counter, type Registry } from 'prom-client';

/**
 * Process-wide counts of the work that dominates a request's cost: SQL statements, policy decisions and JWS
 * signatures. Kept process-wide because embedded connectors, the gateway and the bus share one process and one
 * store; each hub registers them in its metrics registry, and the benchmark reads them per request and per loop so
 * that a regression (a per-item query creeping back) shows as a number, not as a vague slowdown.
 */
export const workCounters = {
  sqlStatements: new Counter({ name: 'careloop_sql_statements_total', help: 'SQL statements sent to the store.', registers: [] }),
  policyDecisions: new Counter({ name: 'careloop_policy_decisions_total', help: 'Policy decisions asked for.', registers: [] }),
  policyEvaluations: new Counter({
    name: 'careloop_policy_evaluations_total',
    help: 'Policy decisions evaluated by the compiled policy (the rest were answered from remembered decisions).',
    registers: [],
  }),
  jwsOperations: new Counter({
    name: 'careloop_jws_operations_total',
    help: 'JWS signatures computed and verified.',
    labelNames: ['operation'],
    registers: [],
  }),
};

export function registerWorkCounters(registry: Registry): void {
  const counters: Counter<string>[] = [workCounters.sqlStatements, workCounters.policyDecisions, workCounters.policyEvaluations, workCounters.jwsOperations];
  for (const counter of counters) registry.registerMetric(counter);
}

/** A snapshot of the counters, for before/after differences in benchmarks and tests. */
export async function readWorkCounters(): Promise<{
  sqlStatements: number;
  policyDecisions: number;
  policyEvaluations: number;
  jwsSigned: number;
  jwsVerified: number;
}> {
  const ops = (await workCounters.jwsOperations.get()).values;
  const op = (name: string) => ops.find((v) => v.labels.operation === name)?.value ?? 0;
  return {
    sqlStatements: (await workCounters.sqlStatements.get()).values[0]?.value ?? 0,
    policyDecisions: (await workCounters.policyDecisions.get()).values[0]?.value ?? 0,
    policyEvaluations: (await workCounters.policyEvaluations.get()).values[0]?.value ?? 0,
    jwsSigned: op('sign'),
    jwsVerified: op('verify'),
  };
}
