#!/usr/bin/env bash
# Installs the named Debian packages that are not installed yet (apt-get update first, only
# when something is missing). Asks dpkg, not PATH: a machine may carry stand-in commands
# (e.g. a `convert` that is not ImageMagick).
#   bash tools/install_packages.sh PACKAGE...
set -euo pipefail
missing=()
for p in "$@"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
((${#missing[@]})) || exit 0
echo "installing ${missing[*]}"
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
# Another apt or dpkg (unattended-upgrades, a second setup) may hold the lock: wait for it
# (DPkg::Lock::Timeout, apt >= 1.9.11) rather than fail, and retry a few times for the lists
# lock of `apt-get update`, which older apts do not wait for.
apt_wait() {
  local try
  for try in 1 2 3 4 5 6 7 8 9 10; do
    if DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=600 "$@"; then return 0; fi
    echo "apt-get $1 failed (try $try of 10; another package manager may hold the lock); waiting 30 s" >&2
    sleep 30
  done
  return 1
}
apt_wait update -qq
apt_wait install -y -qq "${missing[@]}" >/dev/null
