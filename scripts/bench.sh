#!/usr/bin/env bash
# `npm run bench`: fetches what the benchmarks need that a fresh machine lacks (the pinned Kafka jars, into the
# ignored .cache/), then runs them; results land in bench/results/ as JSON and Markdown.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
bash scripts/ensure-kafka.sh
npx tsx bench/loop-latency.bench.ts "$@"
