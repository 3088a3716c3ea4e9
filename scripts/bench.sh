#!/usr/bin/env bash
# `npm run bench`: fetches what the benchmarks need that a fresh machine lacks (the pinned Kafka jars and Debian's
# PostgreSQL server, into the ignored .cache/ or from apt), then runs them; results land in bench/results/ as JSON
# and Markdown. Each benchmark that runs a hub in its own process runs it with npm start's node flags (package.json,
# read by scripts/start-flags.mjs), so what is measured is what npm start runs.
#   BENCH_ONLY=list-scale npm run bench        one benchmark (comma-separated names: loop-latency, list-scale,
#                                             screening-import, signal-routing, policy-enforcement, rest-memory)
#   npm run bench -- <args>                   passed on to each benchmark that runs
# list-scale runs with --expose-gc (memory after a forced GC); its sizes and sample counts are env variables
# (BENCH_LIST_SIZES=1000,10000,100000, BENCH_LIST_STORES=pglite,postgresql, BENCH_LIST_SAMPLES=200, see the file).
# screening-import (issue 8: a 50,000-row census CSV streamed to the school connector, on the embedded defaults and on
# Kafka + PostgreSQL, each in a fresh process from a bundle) needs Kafka and PostgreSQL; BENCH_SCREENING_STUDENTS=10000
# (× 5 scales), BENCH_SCREENING_DEPLOYMENTS=embedded,kafka-postgresql, BENCH_SCREENING_HEAP_CAP_MB=96 (the capped
# runs), BENCH_SCREENING_NODE_ARGS (extra node flags for each run, a profiler say).
# signal-routing (issue 10: police signals routed to the child's school, one at a time and in batches, on the embedded
# bus, Kafka + PGlite and Kafka + PostgreSQL) needs Kafka and PostgreSQL; --expose-gc for memory before/after;
# BENCH_SIGNALS=2000 (BENCH_SIGNAL_CONCURRENCY=32 in flight), BENCH_BATCHED_SIGNALS=20000, BENCH_SIGNAL_BATCH=500
# (BENCH_SIGNAL_BATCH_CONCURRENCY=4 in flight), BENCH_SIGNAL_CHILDREN=2000,
# BENCH_SIGNAL_DEPLOYMENTS=embedded,kafka,kafka-postgresql, BENCH_SIGNAL_CONNECTORS=separate (on Kafka the connectors run
# as their own processes; embedded: in the hub's), BENCH_SIGNAL_INBOUND_CONCURRENCY (the hub's HUB_INBOUND_CONCURRENCY),
# BENCH_SIGNAL_BACKLOG=20000 (the backlog drained with the connectors paused, on Kafka; 0: none; see the file),
# BENCH_SIGNAL_BACKLOG_RUNS=3 (drains, the goal judged on the median), BENCH_SIGNAL_PACED=300 at
# BENCH_SIGNAL_PACED_RATE=20 a second (one at a time), BENCH_SIGNAL_PACED_BATCHED=10000 in batches of
# BENCH_SIGNAL_PACED_BATCH=100 at BENCH_SIGNAL_PACED_BATCH_RATE=1000 a second; each deployment runs in a fresh process
# of its own, BENCH_SIGNAL_NODE_ARGS (extra node flags for it, a profiler say).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
only="${BENCH_ONLY:-}"
# The node flags npm start runs the hub with (package.json): the benchmarks that run a hub in their own process take them too.
flags="$(node scripts/start-flags.mjs)" # a plain assignment, so that set -e stops here if they cannot be read
read -r -a start_flags <<< "$flags"
hub_node() { node "${start_flags[@]}" --import tsx "$@"; }
selected() { [ -z "$only" ] || [[ ",$only," == *",$1,"* ]]; }
for name in ${only//,/ }; do
  [ -f "bench/$name.bench.ts" ] || { echo "BENCH_ONLY: no benchmark bench/$name.bench.ts" >&2; exit 2; }
done
if selected loop-latency; then
  bash scripts/ensure-kafka.sh
  hub_node bench/loop-latency.bench.ts "$@"
fi
if selected list-scale; then
  bash scripts/ensure-postgres.sh
  hub_node --expose-gc bench/list-scale.bench.ts "$@"
fi
if selected screening-import; then
  bash scripts/ensure-kafka.sh
  bash scripts/ensure-postgres.sh
  npx tsx bench/screening-import.bench.ts "$@"
fi
if selected signal-routing; then
  bash scripts/ensure-kafka.sh
  bash scripts/ensure-postgres.sh
  hub_node --expose-gc bench/signal-routing.bench.ts "$@"
fi
if selected rest-memory; then
  # Issue 7: a hub as npm start runs it, idle, loaded from the sources (tsx) and from the bundle, side by side, on
  # PGlite and on PostgreSQL.
  bash scripts/ensure-postgres.sh
  npx tsx bench/rest-memory.bench.ts "$@"
fi
if selected policy-enforcement; then
  # Issue 9: the same queries with and without policy enforcement, side by side (PGlite only, no broker).
  hub_node bench/policy-enforcement.bench.ts "$@"
fi
