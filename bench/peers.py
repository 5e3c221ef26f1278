"""The servers under test, each in its own temp dir on loopback high ports.

Postroom (postroomd), Dovecot 2.3 (`dovecot -c CONF -F`) and Postfix 3.7 (`postfix -c DIR start`,
a private instance relaying to Dovecot LMTP). Every server gets the same users, the same password
hash (Postroom's Argon2id string is copied into Dovecot's passwd-file) and the same corpus.
"""

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import corpus

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOMAIN = "example.test"
PASSWORD = "secret"
SERVER_CPU = os.environ.get("BENCH_SERVER_CPU", "1")  # servers pinned here, the load generator on the other
NOBODY = pwd.getpwnam("nobody")


def log(*args):
    print("[bench]", *args, file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=20.0, proc=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if proc is not None and proc.poll() is not None:
                raise RuntimeError(f"server exited with {proc.returncode} before listening on {port}")
            time.sleep(0.05)
    raise RuntimeError(f"nothing listening on 127.0.0.1:{port} after {timeout}s")


def pinned(argv):
    return (["taskset", "-c", SERVER_CPU] + argv) if shutil.which("taskset") and SERVER_CPU else argv


def install_peers():
    """apt-get install the peers once; stop every system service the packages started."""
    need = [p for p, b in (("dovecot-imapd", "/usr/sbin/dovecot"), ("dovecot-pop3d", "/usr/lib/dovecot/pop3"),
                           ("dovecot-lmtpd", "/usr/lib/dovecot/lmtp"), ("postfix", "/usr/sbin/postfix"))
            if not os.path.exists(b)]
    if need:
        log("installing", *need)
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "install", "-y", "-q", *need], check=True, env=env,
                       stdout=subprocess.DEVNULL)
    for service in ("dovecot", "postfix"):
        if shutil.which("systemctl") and os.path.isdir("/run/systemd/system"):
            subprocess.run(["systemctl", "disable", "--now", service], capture_output=True)
        subprocess.run(["service", service, "stop"], capture_output=True)
    # Anything still running from the system instances (not ours: ours live under /tmp/bench-*)
    for pidfile in ("/run/dovecot/master.pid", "/var/spool/postfix/pid/master.pid"):
        try:
            pid = int(open(pidfile).read().split()[0])
            os.kill(pid, signal.SIGTERM)
            log("stopped system", pidfile, pid)
        except (OSError, ValueError, IndexError):
            pass


def process_tree(root_pid):
    """root_pid and all its descendants (from /proc)."""
    children = {}
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            text = open(stat).read()
        except OSError:
            continue
        pid = int(text.split(" ", 1)[0])
        ppid = int(text.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(pid)
    out, todo = [], [root_pid]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def memory_kb(pids):
    """(rss, private) in KB summed over pids, from smaps_rollup."""
    rss = private = 0
    for pid in pids:
        try:
            for line in open(f"/proc/{pid}/smaps_rollup"):
                key, _, rest = line.partition(":")
                if key == "Rss":
                    rss += int(rest.split()[0])
                elif key in ("Private_Clean", "Private_Dirty"):
                    private += int(rest.split()[0])
        except OSError:
            pass
    return rss, private


def cpu_seconds(pids):
    """utime+stime (+ reaped children's) summed over pids."""
    total = 0
    tick = os.sysconf("SC_CLK_TCK")
    for pid in pids:
        try:
            fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
            total += sum(int(x) for x in fields[11:15])
        except OSError:
            pass
    return total / tick


def make_cert(directory):
    cert, key = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                    "-nodes", "-days", "30", "-subj", "/CN=mail.test", "-keyout", key, "-out", cert],
                   check=True, capture_output=True)
    os.chmod(key, 0o644)
    return cert, key


class Peer:
    name = "?"
    proc = None

    def __init__(self, root):
        self.dir = tempfile.mkdtemp(prefix=f"{self.name}-", dir=root)
        os.chmod(self.dir, 0o755)
        self.ports = {}

    def pids(self):
        return process_tree(self.proc.pid) if self.proc and self.proc.poll() is None else []

    def memory(self):
        return memory_kb(self.pids())

    def cpu(self):
        return cpu_seconds(self.pids())

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Postroom(Peer):
    name = "postroom"

    def __init__(self, root, bin_dir, cert, key):
        super().__init__(root)
        self.daemon, self.cli_path = os.path.join(bin_dir, "postroomd"), os.path.join(bin_dir, "postroom")
        self.data = os.path.join(self.dir, "data")
        self.config = os.path.join(self.dir, "postroom.toml")
        self.ports = {"imap": free_port(), "imaps": free_port(), "pop3": free_port(), "smtp": free_port()}
        listeners = [("imap", "plain", self.ports["imap"]), ("imap", "tls", self.ports["imaps"]),
                     ("pop3", "plain", self.ports["pop3"]), ("smtp", "plain", self.ports["smtp"])]
        text = (f'[server]\nhostname = "mail.test"\ndata_dir = "{self.data}"\nlog_level = "warn"\n'
                f'threads = {1 if SERVER_CPU else 0}\n'
                f'[tls]\ncert = "{cert}"\nkey = "{key}"\n'
                f'[auth]\nallow_plaintext_auth = true\nfailure_delay_ms = 10\n'
                f'[smtp]\ncheck_inbound = false\n')
        for service, mode, port in listeners:
            text += (f'\n[[listener]]\nservice = "{service}"\naddress = "127.0.0.1"\n'
                     f'port = {port}\nmode = "{mode}"\n')
        open(self.config, "w").write(text)

    def start(self):
        self.log = open(os.path.join(self.dir, "postroomd.log"), "ab")
        self.proc = subprocess.Popen(pinned([self.daemon, "--config", self.config]), stdin=subprocess.DEVNULL,
                                     stdout=self.log, stderr=self.log, cwd=self.dir)
        for port in self.ports.values():
            wait_port(port, proc=self.proc)
        self.cli("domain", "add", DOMAIN)

    def pids(self):  # taskset execs, so proc.pid is postroomd itself
        return super().pids()

    def cli(self, *args, input=None):
        r = subprocess.run(pinned([self.cli_path, "--config", self.config, *map(str, args)]), input=input,
                           capture_output=True)
        if r.returncode != 0:
            raise RuntimeError(f"postroom {' '.join(map(str, args))}: exit {r.returncode}: {r.stderr.decode()[-500:]}")
        return r.stdout.decode()

    def add_user(self, address):
        self.cli("user", "add", address, "--password", PASSWORD)

    def password_hashes(self):
        """{address: hash} straight from the SQLite store, to give Dovecot identical hashes."""
        import sqlite3
        db = sqlite3.connect(f"file:{self.data}/postroom.db?mode=ro", uri=True)
        try:
            return dict(db.execute("SELECT address, password_hash FROM accounts"))
        finally:
            db.close()

    def prefill(self, address, messages, mailbox="INBOX"):
        path = os.path.join(self.dir, "import.mbox")
        corpus.write_mbox(path, messages)
        args = ["import", address, path] + (["--mailbox", mailbox] if mailbox != "INBOX" else [])
        self.cli(*args)
        os.unlink(path)


class Dovecot(Peer):
    name = "dovecot"

    def __init__(self, root, cert, key, hibernate=True):
        super().__init__(root)
        self.ports = {"imap": free_port(), "imaps": free_port(), "pop3": free_port(), "lmtp": free_port()}
        self.users_file = os.path.join(self.dir, "users")
        self.mail = os.path.join(self.dir, "mail")
        for d in (self.mail, os.path.join(self.mail, DOMAIN)):  # LMTP (as nobody) creates homes here
            os.makedirs(d)
            os.chown(d, NOBODY.pw_uid, NOBODY.pw_gid)
        open(self.users_file, "w").close()
        self.config = os.path.join(self.dir, "dovecot.conf")
        p = self.ports
        hib = ("imap_hibernate_timeout = 2s\n"
               "service imap-hibernate {\n  client_limit = 20000\n"
               "  unix_listener imap-hibernate {\n    mode = 0666\n  }\n}\n"
               "service imap {\n  process_limit = 20000\n  unix_listener imap-master {\n    mode = 0666\n  }\n}\n"
               if hibernate else "service imap {\n  process_limit = 20000\n}\n")
        open(self.config, "w").write(f"""# Dovecot bench instance (generated by bench/peers.py)
base_dir = {self.dir}/run
state_dir = {self.dir}/state
log_path = {self.dir}/dovecot.log
instance_name = bench-{os.getpid()}
protocols = imap pop3 lmtp
listen = 127.0.0.1
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
mail_location = maildir:~/Maildir
mail_fsync = always
mail_max_userip_connections = 100000
default_process_limit = 20000
default_client_limit = 20000
default_vsz_limit = 1G
passdb {{
  driver = passwd-file
  args = {self.users_file}
}}
userdb {{
  driver = static
  args = uid={NOBODY.pw_uid} gid={NOBODY.pw_gid} home={self.mail}/%d/%n
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {p['imap']}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {p['imaps']}
    ssl = yes
  }}
  service_count = 0
  process_min_avail = 2
  client_limit = 20000
}}
service pop3-login {{
  inet_listener pop3 {{
    address = 127.0.0.1
    port = {p['pop3']}
  }}
  inet_listener pop3s {{
    port = 0
  }}
  service_count = 0
  process_min_avail = 2
}}
service lmtp {{
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {p['lmtp']}
  }}
}}
{hib}
protocol lmtp {{
  postmaster_address = postmaster@{DOMAIN}
}}
""")

    def start(self):
        self.proc = subprocess.Popen(pinned(["dovecot", "-c", self.config, "-F"]), stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=open(os.path.join(self.dir, "stderr"), "ab"))
        for port in self.ports.values():
            wait_port(port, proc=self.proc)

    def add_users(self, hashes):
        with open(self.users_file, "a") as f:
            for address, h in hashes.items():
                scheme = "ARGON2ID" if h.startswith("$argon2id$") else "CRYPT"
                f.write(f"{address}:{{{scheme}}}{h}::::::\n")

    def maildir(self, address, mailbox="INBOX"):
        local, domain = address.split("@")
        base = os.path.join(self.mail, domain, local, "Maildir")
        return base if mailbox == "INBOX" else os.path.join(base, "." + mailbox)

    def prefill(self, address, messages, mailbox="INBOX"):
        corpus.write_maildir(self.maildir(address, mailbox), messages, NOBODY.pw_uid, NOBODY.pw_gid)
        self.doveadm("force-resync", "-u", address, mailbox)

    def doveadm(self, *args):
        r = subprocess.run(pinned(["doveadm", "-c", self.config, *args]), capture_output=True)
        if r.returncode != 0:
            raise RuntimeError(f"doveadm {' '.join(args)}: {r.stderr.decode()[-500:]}")
        return r.stdout.decode()

    def count_new(self, addresses):
        return sum(len(os.listdir(os.path.join(self.maildir(a), "new"))) +
                   len(os.listdir(os.path.join(self.maildir(a), "cur")))
                   for a in addresses if os.path.isdir(os.path.join(self.maildir(a), "new")))


class Postfix(Peer):
    """Private Postfix: own config_directory and queue_directory; local mail goes to Dovecot LMTP."""
    name = "postfix"

    def __init__(self, root, lmtp_port):
        super().__init__(root)
        self.ports = {"smtp": free_port()}
        self.conf = os.path.join(self.dir, "etc")
        os.makedirs(self.conf)
        q = os.path.join(self.dir, "queue")
        open(os.path.join(self.conf, "main.cf"), "w").write(f"""compatibility_level = 3.6
queue_directory = {q}
data_directory = {self.dir}/data
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = mx.bench.test
mydestination = {DOMAIN}
local_recipient_maps =
local_transport = lmtp:inet:127.0.0.1:{lmtp_port}
alias_maps =
alias_database =
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
message_size_limit = 52428800
default_process_limit = 200
maillog_file = {self.dir}/maillog
maillog_file_prefixes = {self.dir}
biff = no
""")
        services = [("127.0.0.1:%d" % self.ports["smtp"], "inet", "n", "-", "n", "-", "-", "smtpd"),
                    ("pickup", "unix", "n", "-", "n", "60", "1", "pickup"),
                    ("cleanup", "unix", "n", "-", "n", "-", "0", "cleanup"),
                    ("qmgr", "unix", "n", "-", "n", "300", "1", "qmgr"),
                    ("rewrite", "unix", "-", "-", "n", "-", "-", "trivial-rewrite"),
                    ("bounce", "unix", "-", "-", "n", "-", "0", "bounce"),
                    ("defer", "unix", "-", "-", "n", "-", "0", "bounce"),
                    ("trace", "unix", "-", "-", "n", "-", "0", "bounce"),
                    ("verify", "unix", "-", "-", "n", "-", "1", "verify"),
                    ("flush", "unix", "n", "-", "n", "1000?", "0", "flush"),
                    ("proxymap", "unix", "-", "-", "n", "-", "-", "proxymap"),
                    ("smtp", "unix", "-", "-", "n", "-", "-", "smtp"),
                    ("relay", "unix", "-", "-", "n", "-", "-", "smtp"),
                    ("showq", "unix", "n", "-", "n", "-", "-", "showq"),
                    ("error", "unix", "-", "-", "n", "-", "-", "error"),
                    ("retry", "unix", "-", "-", "n", "-", "-", "error"),
                    ("discard", "unix", "-", "-", "n", "-", "-", "discard"),
                    ("local", "unix", "-", "n", "n", "-", "-", "local"),
                    ("lmtp", "unix", "-", "-", "n", "-", "-", "lmtp"),
                    ("anvil", "unix", "-", "-", "n", "-", "1", "anvil"),
                    ("scache", "unix", "-", "-", "n", "-", "1", "scache"),
                    ("postlog", "unix-dgram", "n", "-", "n", "-", "1", "postlogd")]
        open(os.path.join(self.conf, "master.cf"), "w").write("".join(" ".join(s) + "\n" for s in services))
        self.queue = q
        os.makedirs(q)

    def start(self):
        r = subprocess.run(pinned(["postfix", "-c", self.conf, "start"]), capture_output=True)
        if r.returncode != 0:
            tail = open(os.path.join(self.dir, "maillog"), errors="replace").read()[-800:]
            raise RuntimeError(f"postfix start failed; maillog: {tail}")
        wait_port(self.ports["smtp"])

    def master_pid(self):
        try:
            return int(open(os.path.join(self.queue, "pid", "master.pid")).read().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def pids(self):
        pid = self.master_pid()
        return process_tree(pid) if pid else []

    def stop(self):
        subprocess.run(["postfix", "-c", self.conf, "stop"], capture_output=True)
