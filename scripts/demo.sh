#!/usr/bin/env bash
# Installs what Postroom needs, builds it, and starts postroomd in the foreground with a
# working demo: embedded store in ./var/demo, a self-signed certificate made at first start,
# the domain demo.test and the user demo@demo.test. Run as root on Debian 12.
# Ports on all addresses (override with POSTROOM_DEMO_ADDRESS): SMTP 25, submission 587
# (STARTTLS) and 465 (TLS), IMAP 143 (STARTTLS) and 993 (TLS), POP3 110 (STLS) and 995 (TLS).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
scripts/install-deps.sh
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"
# Paths relative to the checkout, so a clone in another folder reuses the cache.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$(pwd)}"
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
service = "smtp"
address = "$address"
port = 25
mode = "starttls"

[[listener]]
service = "submission"
address = "$address"
port = 587
mode = "starttls"

[[listener]]
service = "submissions"
address = "$address"
port = 465
mode = "tls"

[[listener]]
service = "imap"
address = "$address"
port = 143
mode = "starttls"

[[listener]]
service = "imap"
address = "$address"
port = 993
mode = "tls"

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
  printf 'From: Postroom <postmaster@demo.test>\nTo: demo@demo.test\nSubject: Welcome to Postroom\nDate: %s\nMessage-ID: <welcome@demo.test>\n\nYour mailbox works. Read it with any IMAP or POP3 client.\n' \
    "$(date -R)" | cli deliver demo@demo.test
fi

cat <<INFO

Postroom demo
  SMTP (MX)   : $address port 25 (STARTTLS)
  submission  : $address port 587 (STARTTLS) and 465 (TLS), AUTH required
  IMAP        : $address port 143 (STARTTLS) and 993 (TLS)
  POP3        : $address port 110 (STLS) and 995 (TLS)
  user        : demo@demo.test
  password    : $password
  certificate : $demo/data/tls/cert.pem (self-signed, made at first start)
  admin CLI   : $bin/postroom --config $config user list
  deliver     : $bin/postroom --config $config deliver demo@demo.test < message.eml
  try it      : python3 -c "import imaplib,ssl; c=ssl._create_unverified_context(); m=imaplib.IMAP4_SSL('127.0.0.1',993,ssl_context=c); m.login('demo@demo.test','$password'); print(m.select('INBOX'))"

Starting postroomd in the foreground (Ctrl-C stops it).
INFO
exec "$bin/postroomd" --config "$config"
