#!/usr/bin/env bash
# Builds the pinned Regal (the Rego linter) into .cache/bin with Go, once.
# `go install` cannot be used: the module was renamed to github.com/open-policy-agent/regal, which the module proxy
# refuses, and `go install github.com/styrainc/regal@vX` fails on its deprecation look-up. Building it as a
# dependency of a throw-away module works.
set -euo pipefail
cd "$(dirname "$0")/.."
REGAL_VERSION=v0.35.1
REGAL_MODULE=github.com/styrainc/regal
BIN="$PWD/.cache/bin/regal"
if [ -x "$BIN" ] && "$BIN" version 2>/dev/null | grep -q "^Version: *${REGAL_VERSION#v}$"; then
  echo "regal ${REGAL_VERSION}: .cache/bin/regal" >&2
  exit 0
fi
command -v go >/dev/null || {
  echo "Go is needed to build regal ${REGAL_VERSION} (go get + go build). Install Go 1.24 or newer." >&2
  exit 1
}
mkdir -p .cache/bin
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "building regal ${REGAL_VERSION} with go build (first run only, about a minute)..." >&2
(
  cd "$work"
  go mod init regal-build >/dev/null 2>&1
  GOFLAGS=-mod=mod go get "${REGAL_MODULE}@${REGAL_VERSION}" 2>go-get.log || {
    cat go-get.log >&2
    echo "go get ${REGAL_MODULE}@${REGAL_VERSION} failed (see above): is the Go module proxy reachable?" >&2
    exit 1
  }
  # The version is stamped in the binary so that the check above finds it next time.
  go build -o "$BIN.tmp" -ldflags "-X ${REGAL_MODULE}/pkg/version.Version=${REGAL_VERSION#v}" "$REGAL_MODULE" || {
    echo "go build ${REGAL_MODULE} failed (Regal ${REGAL_VERSION} needs Go 1.24 or newer; have $(go env GOVERSION))." >&2
    exit 1
  }
)
mv "$BIN.tmp" "$BIN"
# sed reads to the end: `head -1` closing the pipe early made the build fail with SIGPIPE (141) under pipefail.
"$BIN" version | sed -n 1p >&2
