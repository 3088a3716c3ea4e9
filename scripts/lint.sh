#!/usr/bin/env bash
# `npm run lint`: formatting and lint, read-only. Prettier (check), ESLint with typescript-eslint's type-aware rules
# (no warnings allowed) and Regal on the Rego policies. Runs all three, then fails if any of them found a problem.
# Fix formatting with `npm run format`; ESLint's safe fixes with `npx eslint . --fix`.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
bash scripts/ensure-regal.sh

failed=()

echo "== prettier --check" >&2
node_modules/.bin/prettier --check . || failed+=("prettier (run: npm run format)")

echo "== eslint" >&2
node_modules/.bin/eslint --max-warnings 0 . || failed+=("eslint")

echo "== regal lint policies/" >&2
.cache/bin/regal lint policies/ || failed+=("regal")

if [ "${#failed[@]}" -gt 0 ]; then
  echo "lint failed: ${failed[*]}" >&2
  exit 1
fi
echo "lint: prettier, eslint and regal found nothing." >&2
