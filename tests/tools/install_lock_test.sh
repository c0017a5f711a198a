#!/usr/bin/env bash
# tools/install_packages.sh waits for the dpkg lock instead of failing: with an apt-get that
# fails twice as if another apt held the lock, then succeeds, the install must succeed, and
# apt-get must be asked to wait for the lock itself (DPkg::Lock::Timeout).
#   bash tests/tools/install_lock_test.sh <source dir>
set -euo pipefail
src=${1:?source dir}
fake=$(mktemp -d)
trap 'rm -rf "$fake"' EXIT
cat >"$fake/dpkg-query" <<'SH'
#!/bin/sh
exit 1
SH
cat >"$fake/apt-get" <<'SH'
#!/bin/sh
echo "$*" >>"$(dirname "$0")/calls"
n=$(wc -l <"$(dirname "$0")/calls")
if [ "$n" -le 2 ]; then
  echo "E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 1 (apt-get)" >&2
  exit 100
fi
exit 0
SH
printf '#!/bin/sh\nexit 0\n' >"$fake/sleep"
printf '#!/bin/sh\necho 0\n' >"$fake/id"
chmod +x "$fake"/*
if ! PATH="$fake:$PATH" bash "$src/tools/install_packages.sh" some-package >"$fake/out" 2>&1; then
  echo "FAIL: the installer gave up while another apt held the lock:"; cat "$fake/out"; exit 1
fi
grep -q "DPkg::Lock::Timeout" "$fake/calls" || { echo "FAIL: apt-get was not asked to wait for the lock"; cat "$fake/calls"; exit 1; }
grep -q "install" "$fake/calls" || { echo "FAIL: nothing was installed"; cat "$fake/calls"; exit 1; }
echo "ok: waited for the lock ($(wc -l <"$fake/calls") apt-get calls)"
