#!/usr/bin/env bash
# Installs what Postroom needs, builds it, and starts postroomd in the foreground with a
# working demo: embedded store in ./var/demo, a self-signed certificate made at first start,
# the domain demo.test and the user demo@demo.test. Run as root on Debian 12.
# Ports: POP3 110 (STLS) and 995 (TLS) on all addresses; override with POSTROOM_DEMO_ADDRESS.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
scripts/install-deps.sh
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"
cmake --preset release >/dev/null
cmake --build --preset release --target postroomd postroom -j "$(nproc)"
bin="$root/build/release/src/bin"

demo="$root/var/demo"
mkdir -p "$demo"
address="${POSTROOM_DEMO_ADDRESS:-0.0.0.0}"
config="$demo/postroom.toml"
cat > "$config" <<TOML
# Demo configuration written by scripts/demo.sh; see docs/configuration.md for every key.
[server]
hostname = "mail.demo.test"
data_dir = "$demo/data"

[[listener]]
service = "pop3"
address = "$address"
port = 110
mode = "starttls"

[[listener]]
service = "pop3"
address = "$address"
port = 995
mode = "tls"
TOML

cli() { "$bin/postroom" --config "$config" "$@"; }
if ! cli domain list | grep -qx demo.test; then
  cli domain add demo.test >/dev/null
fi
if [ ! -s "$demo/demo-password" ]; then
  (umask 077; head -c 12 /dev/urandom | base64 | tr -d '/+=' > "$demo/demo-password")
fi
password="$(cat "$demo/demo-password")"
if ! cli user list demo.test | grep -qx demo@demo.test; then
  cli user add demo@demo.test --password-stdin <<<"$password" >/dev/null
  printf 'From: Postroom <postmaster@demo.test>\nTo: demo@demo.test\nSubject: Welcome to Postroom\nDate: %s\nMessage-ID: <welcome@demo.test>\n\nYour mailbox works. Fetch this message with any POP3 client.\n' \
    "$(date -R)" | cli deliver demo@demo.test
fi

cat <<INFO

Postroom demo
  POP3 with STLS : $address port 110
  POP3 over TLS  : $address port 995
  user           : demo@demo.test
  password       : $password
  certificate    : $demo/data/tls/cert.pem (self-signed, made at first start)
  admin CLI      : $bin/postroom --config $config user list
  deliver mail   : $bin/postroom --config $config deliver demo@demo.test < message.eml
  try it         : python3 -c "import poplib,ssl; c=ssl._create_unverified_context(); p=poplib.POP3_SSL('127.0.0.1',995,context=c); p.user('demo@demo.test'); p.pass_('$password'); print(p.stat())"

Starting postroomd in the foreground (Ctrl-C stops it).
INFO
exec "$bin/postroomd" --config "$config"
