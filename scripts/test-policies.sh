#!/usr/bin/env bash
# `npm run policies:test`: opa fmt, opa check --strict and opa test on the policies, then a check that the
# committed policies/dist/authz.wasm is byte for byte what the sources build.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-opa.sh
OPA=.cache/bin/opa
unformatted=$("$OPA" fmt -l policies/careloop)
if [ -n "$unformatted" ]; then
  echo "Rego files not formatted with opa fmt (run: $OPA fmt -w policies/careloop):" >&2
  echo "$unformatted" >&2
  exit 1
fi
"$OPA" check --strict policies/careloop policies/testdata
"$OPA" test -v policies/careloop policies/testdata | tail -n 20
# Issue 9: at least 90% of the policies' rule lines run under the tests (the test files themselves not counted).
"$OPA" test --coverage policies/careloop policies/testdata | node -e '
  let json = "";
  process.stdin.on("data", (c) => (json += c)).on("end", () => {
    const files = Object.entries(JSON.parse(json).files).filter(([f]) => !f.endsWith("_test.rego"));
    const lines = (ranges = []) => ranges.reduce((n, r) => n + r.end.row - r.start.row + 1, 0);
    const covered = files.reduce((n, [, v]) => n + lines(v.covered), 0);
    const total = covered + files.reduce((n, [, v]) => n + lines(v.not_covered), 0);
    const percent = (100 * covered) / total;
    console.error(`opa test --coverage: ${percent.toFixed(1)}% of ${total} policy rule lines`);
    if (percent < 90) process.exit(1);
  });'
fresh=$(mktemp -d)
trap 'rm -rf "$fresh"' EXIT
bash scripts/build-policies.sh "$fresh" 2>/dev/null
if ! cmp -s "$fresh/authz.wasm" policies/dist/authz.wasm; then
  echo "policies/dist/authz.wasm is stale: run npm run policies:build and commit it." >&2
  exit 1
fi
echo "policies/dist/authz.wasm is what the sources build." >&2
