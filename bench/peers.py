"""The servers under test, each in its own temp dir on loopback high ports.

Postroom (postroomd), Dovecot 2.3 (`dovecot -c CONF -F`) and Postfix 3.7 (`postfix -c DIR start`,
a private instance relaying to Dovecot LMTP). Every server gets the same users, the same password
hash (Postroom's Argon2id string is copied into Dovecot's passwd-file) and the same corpus.
"""

import ctypes
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
STARTED = time.monotonic()
PEER_PACKAGES = (("dovecot-imapd", "/usr/sbin/dovecot"), ("dovecot-pop3d", "/usr/lib/dovecot/pop3"),
                 ("dovecot-lmtpd", "/usr/lib/dovecot/lmtp"), ("postfix", "/usr/sbin/postfix"))
# Mail ports of the machine's own services (and of scripts/demo.sh): nothing of ours may hold them.
SYSTEM_PORTS = (25, 110, 143, 465, 587, 993, 995)


def log(*args):
    print(f"[bench {time.monotonic() - STARTED:6.1f}s]", *args, file=sys.stderr, flush=True)


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


def _installed(package):
    r = subprocess.run(["dpkg-query", "-W", "-f=${Status}", package], capture_output=True, text=True)
    return r.returncode == 0 and "install ok installed" in r.stdout


def install_peers():
    """apt-get install the peers once, non-interactively and without starting their system
    services; then stop whatever system dovecot/postfix runs anyway. Safe on a fresh Debian 12
    (no systemd, no debconf answers, no mail system configured) and idempotent."""
    need = [p for p, path in PEER_PACKAGES if not (_installed(p) and os.path.exists(path))]
    if need:
        log("installing", *need)
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive", DEBCONF_NONINTERACTIVE_SEEN="true")
        # Postfix's debconf: "No configuration" writes no /etc/postfix/main.cf, so the system
        # instance can neither start now nor at boot; the bench's own instance has its own config.
        subprocess.run(["debconf-set-selections"], input="postfix postfix/main_mailer_type select No configuration\n",
                       text=True, check=True, env=env)
        # policy-rc.d exit 101: invoke-rc.d / deb-systemd-invoke start no service during the install
        # (Dovecot would otherwise bind 110/143/993/995 for as long as the machine runs).
        policy = "/usr/sbin/policy-rc.d"
        ours = not os.path.exists(policy)
        if ours:
            with open(policy, "w") as f:
                f.write("#!/bin/sh\n# written by postroom bench/peers.py for the duration of an apt-get install\nexit 101\n")
            os.chmod(policy, 0o755)
        try:
            cmd = ["apt-get", "install", "-y", "-q", "--no-install-recommends",
                   "-o", "Dpkg::Options::=--force-confdef", "-o", "Dpkg::Options::=--force-confold", *need]
            r = subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True)
            if r.returncode != 0:  # a fresh machine may have no package lists yet
                log("apt-get install failed; running apt-get update and retrying")
                subprocess.run(["apt-get", "update", "-q"], env=env, stdin=subprocess.DEVNULL,
                               capture_output=True, check=True)
                r = subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True)
            if r.returncode != 0:
                raise RuntimeError(f"apt-get install {' '.join(need)} failed:\n{r.stdout[-1500:]}{r.stderr[-1500:]}")
        finally:
            if ours:
                os.unlink(policy)
    stop_system_services()


def stop_system_services():
    """The bench never uses the system dovecot/postfix: stop and disable them if they run."""
    systemd = shutil.which("systemctl") and os.path.isdir("/run/systemd/system")
    for service in ("dovecot", "postfix"):
        if systemd:
            subprocess.run(["systemctl", "disable", "--now", service], capture_output=True)
            if service == "dovecot":
                subprocess.run(["systemctl", "disable", "--now", "dovecot.socket"], capture_output=True)
        elif shutil.which("service") and os.path.exists(f"/etc/init.d/{service}"):
            subprocess.run(["service", service, "stop"], capture_output=True, stdin=subprocess.DEVNULL)
    # Anything still running from the system instances (not ours: ours live under /tmp/bench-*)
    for pidfile in ("/run/dovecot/master.pid", "/var/spool/postfix/pid/master.pid"):
        try:
            pid = int(open(pidfile).read().split()[0])
            exe = os.readlink(f"/proc/{pid}/exe")
        except (OSError, ValueError, IndexError):
            continue
        if "dovecot" in exe or "postfix" in exe:
            os.kill(pid, signal.SIGTERM)
            log("stopped system", exe, pid, "from", pidfile)
    busy = listening_ports(SYSTEM_PORTS)
    if busy:
        log(f"note: something else listens on {sorted(busy)} (not the bench's business; the bench uses high ports)")


KERNEL_LIMITS = {
    # Dovecot's imap process takes one inotify instance per IDLE client until it hibernates, and
    # runs as "nobody": at the default 128 it logs "Inotify instance limit ... exceeded,
    # disabling" and such clients never move to imap-hibernate (~5 MB RSS each instead of KBs).
    "/proc/sys/fs/inotify/max_user_instances": 32768,
    "/proc/sys/fs/inotify/max_user_watches": 524288,
}


def raise_kernel_limits():
    """Raises the limits above (never lowers them). They stay raised after the run: they are
    ceilings, not reservations, and restoring them would pull the floor from under another bench
    run started meanwhile."""
    for path, want in KERNEL_LIMITS.items():
        try:
            old = int(open(path).read())
            if old < want:
                open(path, "w").write(str(want))
                log(f"{path}: {old} -> {want}")
        except (OSError, ValueError) as e:
            log(f"note: cannot raise {path}: {e}")


def listening_ports(ports):
    """Which of ports have a TCP listener on this machine (from /proc/net/tcp{,6})."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = open(table).read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[3] == "0A":  # LISTEN
                port = int(fields[1].rsplit(":", 1)[1], 16)
                if port in ports:
                    found.add(port)
    return found


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


def max_fds(pids):
    """(descriptors, pid) of the process among pids holding the most open files: the per-process
    RLIMIT_NOFILE (20000 here, not raisable inside this container) binds on that one first."""
    best = (0, None)
    for pid in pids:
        try:
            best = max(best, (len(os.listdir(f"/proc/{pid}/fd")), pid))
        except OSError:
            pass
    return best


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


def cheap_argon2id(password, memory_kib=1024, time_cost=1):
    """An argon2id PHC string with small parameters (~1 ms to verify instead of ~30-80 ms), made
    with the libargon2 that postroomd itself links. Used for the accounts whose logins are not
    what a scenario measures (parked IDLE connections, client ramps): both servers get the same
    string, so neither is favoured. None if libargon2 cannot be loaded."""
    try:
        lib = ctypes.CDLL("libargon2.so.1")
    except OSError:
        return None
    u32 = ctypes.c_uint32
    lib.argon2_encodedlen.restype = ctypes.c_size_t
    lib.argon2_encodedlen.argtypes = [u32, u32, u32, u32, u32, ctypes.c_int]
    lib.argon2id_hash_encoded.argtypes = [u32, u32, u32, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p,
                                          ctypes.c_size_t, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_size_t]
    salt, secret = os.urandom(16), password.encode()
    size = lib.argon2_encodedlen(time_cost, memory_kib, 1, len(salt), 32, 2)  # 2 = Argon2_id
    out = ctypes.create_string_buffer(size)
    if lib.argon2id_hash_encoded(time_cost, memory_kib, 1, secret, len(secret), salt, len(salt), 32, out, size) != 0:
        return None
    return out.value.decode()


def remove_tree(root, workers=32):
    """shutil.rmtree with the unlinks and rmdirs done 32 at a time. On this machine's ext4
    (mounted with `discard`) one unlink of a synced file waits ~3 ms, so a full run's ~130k
    Maildir files would take ~6 minutes one by one; the waits overlap."""
    from concurrent.futures import ThreadPoolExecutor
    files, levels = [], {}
    for d, _, names in os.walk(root):
        files.extend(os.path.join(d, f) for f in names)
        levels.setdefault(d.count(os.sep), []).append(d)

    def quietly(op):
        def run(path):
            try:
                op(path)
            except OSError:
                pass
        return run
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(quietly(os.unlink), files, chunksize=16))
        for depth in sorted(levels, reverse=True):  # children before parents
            list(pool.map(quietly(os.rmdir), levels[depth]))
    shutil.rmtree(root, ignore_errors=True)  # whatever is left (e.g. a file that appeared late)


def kill_tree(pids, sig=signal.SIGKILL):
    for pid in pids:
        try:
            os.kill(pid, sig)
        except OSError:
            pass


def wait_gone(pids, timeout):
    """True once none of pids exists (zombies of ours count as gone)."""
    deadline = time.monotonic() + timeout
    while True:
        alive = []
        for pid in pids:
            try:
                state = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0]
            except OSError:
                continue
            if state != "Z":
                alive.append(pid)
        if not alive:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)


class Peer:
    """A server we started. Each runs in its own session (start_new_session), so a Ctrl-C on the
    bench's terminal reaches only the bench, which then stops the servers in order."""
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

    def check_alive(self):
        if self.proc is not None and self.proc.poll() is not None:
            raise RuntimeError(f"{self.name} exited with {self.proc.returncode}; see {self.dir}")

    def stop(self):
        """SIGTERM, wait up to 20 s, then SIGKILL whatever is left of the process tree."""
        if self.proc is None:
            return
        tree = self.pids()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                log(f"{self.name} did not stop in 20 s: killing it")
        if not wait_gone(tree, 5):
            kill_tree(tree)
            wait_gone(tree, 5)
        if self.proc.poll() is None:
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
                                     stdout=self.log, stderr=self.log, cwd=self.dir, start_new_session=True)
        for port in self.ports.values():
            wait_port(port, proc=self.proc)
        self.cli("domain", "add", DOMAIN)

    def cli(self, *args, input=None):
        r = subprocess.run(pinned([self.cli_path, "--config", self.config, *map(str, args)]), input=input,
                           capture_output=True)
        if r.returncode != 0:
            raise RuntimeError(f"postroom {' '.join(map(str, args))}: exit {r.returncode}: {r.stderr.decode()[-500:]}")
        return r.stdout.decode()

    def add_user(self, address, cheap_hash=None):
        self.cli("user", "add", address, "--password", PASSWORD)
        if cheap_hash:
            self.set_password_hash(address, cheap_hash)

    def set_password_hash(self, address, phc):
        """The CLI always hashes with the production parameters; the bench's cheap-login accounts
        get their PHC string written straight into the store (WAL: safe while postroomd runs)."""
        import sqlite3
        db = sqlite3.connect(f"{self.data}/postroom.db", timeout=30)
        try:
            with db:
                changed = db.execute("UPDATE accounts SET password_hash = ? WHERE address = ?", (phc, address)).rowcount
        finally:
            db.close()
        if changed != 1:
            raise RuntimeError(f"set_password_hash {address}: {changed} rows")

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


# Clients per Dovecot imap-login / imap-hibernate process. Each holds ~2 descriptors per client
# (imap-hibernate: the socket and its notify fd; imap-login: a TLS client and its proxy pipe),
# and RLIMIT_NOFILE is 20000 here with no raising it (Dovecot's own setrlimit gets EPERM): at
# 10k parked clients in one process the limit would bind. The master starts more processes
# when these are full, as an admin would configure it under that limit.
FD_CLIENTS = int(os.environ.get("BENCH_DOVECOT_CLIENT_LIMIT", "5000"))


class Dovecot(Peer):
    name = "dovecot"
    hibernates = True  # idle IMAP clients move to imap-hibernate after imap_hibernate_timeout

    def __init__(self, root, cert, key, hibernate=True):
        super().__init__(root)
        self.hibernates = hibernate
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
               f"service imap-hibernate {{\n  client_limit = {FD_CLIENTS}\n"
               "  unix_listener imap-hibernate {\n    mode = 0666\n  }\n}\n"
               "service imap {\n  process_limit = 20000\n  service_count = 100\n"
               "  unix_listener imap-master {\n    mode = 0666\n  }\n}\n"
               if hibernate else "service imap {\n  process_limit = 20000\n  service_count = 100\n}\n")
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
# Dovecot's performance-tuning page: reuse imap/pop3 processes (service_count = 100 below),
# skip POP3 \Seen updates, and trust that only Dovecot changes the Maildirs.
maildir_very_dirty_syncs = yes
# Its auth cache skips passdb lookups; Dovecot still verifies the password hash on a hit
# (auth_cache_verify_password_with_worker: "the auth master ... is responsible for the hash
# verifications"), unlike Postroom's [auth] cache, which skips it.
auth_cache_size = 10M
auth_cache_ttl = 10 min
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
  client_limit = {FD_CLIENTS}
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
service pop3 {{
  service_count = 100
}}
protocol pop3 {{
  pop3_no_flag_updates = yes
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
                                     stdout=subprocess.DEVNULL, stderr=open(os.path.join(self.dir, "stderr"), "ab"),
                                     start_new_session=True)
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
        self.started = True
        r = subprocess.run(pinned(["postfix", "-c", self.conf, "start"]), capture_output=True,
                           stdin=subprocess.DEVNULL, start_new_session=True)
        if r.returncode != 0:
            try:
                tail = open(os.path.join(self.dir, "maillog"), errors="replace").read()[-800:]
            except OSError:
                tail = "(no maillog)"
            raise RuntimeError(f"postfix start failed: {r.stderr.decode()[-800:]}; maillog: {tail}")
        wait_port(self.ports["smtp"])

    def check_alive(self):
        if self.master_pid() is None or not os.path.exists(f"/proc/{self.master_pid()}"):
            raise RuntimeError(f"postfix master is gone; see {self.dir}/maillog")

    def master_pid(self):
        try:
            return int(open(os.path.join(self.queue, "pid", "master.pid")).read().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def pids(self):
        pid = self.master_pid()
        return process_tree(pid) if pid else []

    def stop(self):
        if not getattr(self, "started", False):
            return
        tree = self.pids()
        subprocess.run(["postfix", "-c", self.conf, "stop"], capture_output=True, stdin=subprocess.DEVNULL)
        if not wait_gone(tree, 20):
            log("postfix did not stop in 20 s: killing it")
            kill_tree(tree)
            wait_gone(tree, 5)
