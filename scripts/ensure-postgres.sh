#!/usr/bin/env bash
# Makes sure a PostgreSQL server (Debian's package) is installed for the integration suites; the test harness
# starts its own throw-away cluster on a loopback port with it, never the system's service.
set -euo pipefail
find_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
bin=$(find_bin)
if [ -z "$bin" ] || [ ! -x "$bin/postgres" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing Debian's postgresql package (first run only)..." >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
    bin=$(find_bin)
  else
    echo "No PostgreSQL server found under /usr/lib/postgresql/*/bin. Install Debian's postgresql package." >&2
    exit 1
  fi
fi
echo "postgresql: $bin" >&2
