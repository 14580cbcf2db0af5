#!/usr/bin/env bash
# Installs the Debian packages esafety needs beside Python: WeasyPrint's Pango for PDFs,
# and for the test suite a real Chromium, Squid, squidGuard, PostgreSQL, Redis (the queue's
# other backend) and a C compiler.
# Usage: scripts/system-packages.sh [runtime|test]
set -euo pipefail
want=(libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core)
if [ "${1:-runtime}" = test ]; then
  # gcc, libc6-dev and python3-dev: the tests check the Squid helper's compiled fast path.
  want+=(chromium squid squidguard postgresql python3 openssl gcc libc6-dev python3-dev
         redis-server postfix)
fi
missing=()
for pkg in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "esafety: please install these Debian packages (as root): ${missing[*]}" >&2
  exit 0
fi
echo "esafety: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# Postfix asks what kind of mail server this is: "No configuration" (the tests run their
# own instance on loopback, with its own config and queue folders, never the system's).
if [[ " ${missing[*]} " == *" postfix "* ]]; then
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
fi
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian starts Squid as a service on install; the tests run their own on loopback.
if [[ " ${missing[*]} " == *" squid "* ]]; then
  (systemctl stop squid || service squid stop || pkill -x squid) >/dev/null 2>&1 || true
fi
# Likewise Redis: tests/tasks starts its own on a loopback port in a temporary folder.
if [[ " ${missing[*]} " == *" redis-server "* ]]; then
  (systemctl stop redis-server || service redis-server stop) >/dev/null 2>&1 || true
fi
