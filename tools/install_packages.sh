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
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
