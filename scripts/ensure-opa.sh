#!/usr/bin/env bash
# Installs the pinned opa CLI into .cache/bin with `go install` (Go module proxy), once.
set -euo pipefail
cd "$(dirname "$0")/.."
OPA_VERSION=v1.22.2
BIN=.cache/bin/opa
if [ -x "$BIN" ] && "$BIN" version 2>/dev/null | grep -q "^Version: ${OPA_VERSION#v}$"; then
  echo "opa ${OPA_VERSION}: $BIN" >&2
  exit 0
fi
command -v go >/dev/null || { echo "Go is needed to build opa ${OPA_VERSION} (go install). Install Go 1.24 or newer." >&2; exit 1; }
mkdir -p .cache/bin
echo "building opa ${OPA_VERSION} with go install (first run only, a few minutes)..." >&2
GOBIN="$PWD/.cache/bin" GOFLAGS=-mod=mod go install "github.com/open-policy-agent/opa@${OPA_VERSION}"
# sed reads to the end: `head -1` closing the pipe early made the build fail with SIGPIPE (141) under pipefail.
"$BIN" version | sed -n 1p >&2
