#!/usr/bin/env bash
# `npm test`: everything, on a fresh machine. Fetches what is missing into ignored caches first (node modules,
# the pinned opa, the Kafka jars, a PostgreSQL server), then runs the policy suites, the type check and every
# vitest suite (unit, and integration against a real Kafka broker and a real PostgreSQL server), after the
# formatting and lint checks.
set -euo pipefail
cd "$(dirname "$0")/.."

[ -d node_modules ] || npm ci --no-audit --no-fund

echo "== policies: opa fmt, opa check, opa test, committed wasm is fresh"
bash scripts/test-policies.sh

echo "== toolchains for the integration suites"
bash scripts/ensure-kafka.sh
bash scripts/ensure-postgres.sh

echo "== typecheck"
npx tsc --noEmit -p .

echo "== format and lint: prettier, typescript-eslint, regal"
bash scripts/lint.sh

echo "== vitest (unit + integration)"
mkdir -p .cache
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=.cache/vitest-results.json "$@" || status=$?
node scripts/print-test-summary.mjs .cache/vitest-results.json || true
exit "$status"
