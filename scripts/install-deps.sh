#!/usr/bin/env bash
# Installs everything Postroom needs to build, run and test, from Debian's packages only.
# Idempotent: both README commands and .ci/run call it. Set POSTROOM_SKIP_APT=1 to skip.
set -euo pipefail
[ "${POSTROOM_SKIP_APT:-0}" = 1 ] && exit 0

build_pkgs=(build-essential cmake ninja-build ccache pkg-config
  libboost1.81-dev libssl-dev libsqlite3-dev libargon2-dev
  libtomlplusplus-dev libgtest-dev clang libclang-rt-14-dev openssl
  libunbound-dev libevent-dev publicsuffix zlib1g-dev)
test_pkgs=(fetchmail getmail6 python3 python3-dkim python3-nacl dnsmasq-base
  swaks libnet-ssleay-perl libio-socket-ssl-perl isync mutt offlineimap3)
# node/npm for nodemailer: Debian's only where none is installed (a NodeSource nodejs already
# ships npm and conflicts with Debian's npm package).
command -v node >/dev/null 2>&1 || test_pkgs+=(nodejs)
command -v npm >/dev/null 2>&1 || test_pkgs+=(npm)

missing=()
for p in "${build_pkgs[@]}" ${POSTROOM_WITH_TESTS:+"${test_pkgs[@]}"}; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
