#!/usr/bin/env bash
# archsim beside the real systems it models: NGINX, HAProxy, Redis, PostgreSQL, PgBouncer,
# MariaDB and memcached (Debian's packages) on loopback, measured with backends and load
# generators of tools/realcheck/, and the equivalent scenarios run with replications. Writes
# build/realcheck-{full,quick}/realcheck.json and index.html (docs/validation.md explains the
# cases and the table).
#   bash tools/realcheck.sh            the full run (about 55 minutes)
#   bash tools/realcheck.sh --quick    the mechanism cases, shorter (8-9 minutes);
#                                      exit 1 when a figure leaves its tolerance twice
# Other flags go to tools/realcheck/realcheck.py (--cases a,b  --out DIR  --archsim PATH).
set -euo pipefail
cd "$(dirname "$0")/.."
# postgresql, pgbouncer and mariadb-server also create the unprivileged `postgres` and `mysql`
# users the data tier's cases run their servers as (initdb, the postmaster and PgBouncer
# refuse root).
bash tools/install_packages.sh nginx haproxy redis-server postgresql pgbouncer mariadb-server memcached python3 util-linux
if [ -z "${ARCHSIM_REALCHECK_BIN:-}" ] && [ ! -x build/dev/archsim ]; then
  cmake --preset dev >/dev/null
  cmake --build --preset dev -j "$(nproc)" --target archsim
fi
# The orchestrator stops every process it started, by PID, on any exit; this trap stops the
# orchestrator itself (by its PID) if this script is interrupted.
python3 tools/realcheck/realcheck.py --archsim "${ARCHSIM_REALCHECK_BIN:-build/dev/archsim}" "$@" &
pid=$!
trap 'kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true' EXIT INT TERM HUP
set +e
wait "$pid"
rc=$?
set -e
trap - EXIT INT TERM HUP
exit "$rc"
