#!/bin/sh
# Installs the Debian 12 packages the project needs to build, test and run.
# Idempotent and quick when everything is already present: it asks dpkg
# first and only calls apt-get for what is missing.
set -eu

PACKAGES="
build-essential cmake pkg-config git ca-certificates
libfcgi-dev libmongoc-dev libbson-dev libcjson-dev libpcre2-dev
libgtest-dev googletest
nginx-light curl procps iproute2
clang libclang-rt-dev
python3 python3-pymongo python3-prometheus-client python3-yaml python3-jwt python3-cryptography
valgrind libfaketime libssl-dev openssl
chromium chromium-driver
debhelper dpkg-dev lintian ssl-cert

"

missing=""
for p in $PACKAGES; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done

if [ -z "$missing" ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages:$missing (run as root, or install them yourself)" >&2
  exit 1
fi

echo "install-deps: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
# The nginx package enables and starts a system-wide server on port 80; the
# project always runs its own instance with its own configuration, so the
# packaged one is stopped to leave the machine as we found it.
if command -v systemctl >/dev/null 2>&1; then
  systemctl disable --now nginx >/dev/null 2>&1 || true
fi
if [ -f /run/nginx.pid ]; then
  kill "$(cat /run/nginx.pid)" 2>/dev/null || true
fi
