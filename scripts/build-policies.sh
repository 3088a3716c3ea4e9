#!/usr/bin/env bash
# `npm run policies:build [outdir]`: compiles the Rego policies to WebAssembly with the pinned opa and writes
# <outdir>/authz.wasm (default policies/dist, which is committed so that `npm start` needs only Node).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-opa.sh
OPA="$PWD/.cache/bin/opa"
OUT="${1:-policies/dist}"
mkdir -p "$OUT"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Only the policy sources: tests and fixtures stay out of the bundle.
mkdir -p "$work/src"
find policies/careloop -name '*.rego' ! -name '*_test.rego' -exec cp --parents {} "$work/src" \;
# Built from a relative path: source paths end up in the wasm, and must not depend on the temp dir.
(cd "$work/src/policies" && "$OPA" build -t wasm -e careloop/authz/decision -o "$work/bundle.tar.gz" careloop)
tar -xzf "$work/bundle.tar.gz" -C "$work" /policy.wasm
cp "$work/policy.wasm" "$OUT/authz.wasm"
echo "wrote $OUT/authz.wasm ($(sha256sum "$OUT/authz.wasm" | cut -c1-16)…)" >&2
