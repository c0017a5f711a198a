"""PostgreSQL, PgBouncer and MariaDB for the real check: throw-away servers on loopback.

PostgreSQL and PgBouncer refuse to run as root (initdb and the postmaster say so; PgBouncer
too), so when the check runs as root they run as the `postgres` user Debian's package
creates, through `setpriv`, which execs the server in place: the PID the check holds is the
server's own. MariaDB runs as the `mysql` user (its own `--user`, same PID). Data
directory, sockets, configuration and logs live in a temporary directory that user owns; the
logs are copied into the case's folder and the directory removed when the case ends.

The cluster is made for measuring, not for keeping: fsync, synchronous_commit and
full_page_writes off (no disk in the figures), autovacuum off, superuser_reserved_connections
0 so that `max_connections` is the number of clients that get in, every connection and
disconnection logged (PostgreSQL's log gives each session's length).
"""
import glob
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time

from pgwire import run_sql
from procs import free_port, wait_listening


def _remove(path):
    """Removes a server's directory; a process that was killed rather than stopped may still be
    writing its last files for a moment, so it tries again."""
    for _ in range(10):
        shutil.rmtree(path, ignore_errors=True)
        if not os.path.exists(path):
            return
        time.sleep(0.3)


def pg_bin(name):
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[4]))
    if not found:
        raise RuntimeError(f"PostgreSQL's {name} not found (bash tools/realcheck.sh installs postgresql)")
    return found[-1]


def _as_user(name="postgres"):
    """The command prefix that runs a server as an unprivileged user, and that user's ids."""
    if os.geteuid() != 0:
        return [], None
    pw = pwd.getpwnam(name)
    return ["setpriv", f"--reuid={pw.pw_uid}", f"--regid={pw.pw_gid}", "--init-groups", "--"], pw


class Cluster:
    """One PostgreSQL cluster, and optionally a streaming replica of it or a PgBouncer in front
    of it, for one case."""

    def __init__(self, procs, folder):
        self.procs = procs
        self.folder = folder
        self.user_prefix, self.pw = _as_user()
        self.tmp = tempfile.mkdtemp(prefix="archsim-realcheck-pg-")
        if self.pw:
            os.chown(self.tmp, self.pw.pw_uid, self.pw.pw_gid)
        self.port = self.bouncer_port = self.replica_port = None

    def start_postgres(self, max_connections=100, extra=None):
        data = os.path.join(self.tmp, "data")
        res = subprocess.run(self.user_prefix + [pg_bin("initdb"), "-D", data, "-A", "trust", "-U", "postgres",
                                                 "--no-sync", "--locale=C", "-E", "UTF8"],
                             capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
        if res.returncode != 0:
            raise RuntimeError(f"initdb failed: {res.stderr.strip()[-300:]}")
        self.port = free_port()
        conf = {"listen_addresses": "'127.0.0.1'", "port": self.port, "unix_socket_directories": f"'{self.tmp}'",
                "max_connections": max_connections, "superuser_reserved_connections": 0,
                "fsync": "off", "synchronous_commit": "off", "full_page_writes": "off", "autovacuum": "off",
                "shared_buffers": "'32MB'", "jit": "off", "log_connections": "on", "log_disconnections": "on",
                "log_line_prefix": "'%m [%p] '", "log_lock_waits": "off"}
        conf.update(extra or {})
        self.primary = self._postmaster("postgres", "PostgreSQL", data, conf)
        return self.port

    def _postmaster(self, name, label, data, conf):
        """Appends `conf` to the cluster's postgresql.conf and starts its postmaster (stopped
        with SIGINT, its fast shutdown), with its children (the checkpointer, writers and
        launchers; a replica's startup process and WAL receiver) stopped too if it is killed."""
        with open(os.path.join(data, "postgresql.conf"), "a") as f:
            f.write("".join(f"{k} = {v}\n" for k, v in conf.items()))
        p = self.procs.start(name, self.user_prefix + [pg_bin("postgres"), "-D", data], stop_signal=signal.SIGINT)
        if not wait_listening(conf["port"], 30, p):
            raise RuntimeError(f"{label} did not start (see {self.folder}/{name}.log)")
        self.procs.adopt_children(p)
        return p

    def start_replica(self, extra=None):
        """A streaming replica of the running primary: pg_basebackup -R (a base backup, WAL
        streamed alongside, primary_conninfo and standby.signal written), then its own
        postmaster on a free port, a hot standby that answers reads."""
        data = os.path.join(self.tmp, "replica")
        res = subprocess.run(self.user_prefix + [pg_bin("pg_basebackup"), "-D", data, "-h", "127.0.0.1",
                                                 "-p", str(self.port), "-U", "postgres", "-R", "-X", "stream",
                                                 "--no-sync", "-c", "fast"],
                             capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
        if res.returncode != 0:
            raise RuntimeError(f"pg_basebackup failed: {res.stderr.strip()[-300:]}")
        self.replica_port = free_port()
        conf = {"port": self.replica_port, "hot_standby": "on", "log_connections": "off",
                "log_disconnections": "off"}
        conf.update(extra or {})
        self._postmaster("replica", "the replica", data, conf)
        deadline = time.monotonic() + 30
        while self.sql("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'") != [["1"]]:
            if time.monotonic() > deadline:
                raise RuntimeError(f"the replica did not stream (see {self.folder}/replica.log)")
            time.sleep(0.1)
        self.procs.adopt_children(self.primary)  # the primary's WAL sender to it, now there
        return self.replica_port

    def start_pgbouncer(self, pool_size, query_wait_timeout_s, max_client_conn=1000):
        self.bouncer_port = free_port()
        users = os.path.join(self.tmp, "userlist.txt")
        with open(users, "w") as f:
            f.write('"postgres" ""\n')
        ini = os.path.join(self.tmp, "pgbouncer.ini")
        with open(ini, "w") as f:
            f.write(f"""[databases]
postgres = host=127.0.0.1 port={self.port} dbname=postgres user=postgres

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {self.bouncer_port}
unix_socket_dir =
auth_type = trust
auth_file = {users}
admin_users = postgres
pool_mode = transaction
default_pool_size = {pool_size}
min_pool_size = {pool_size}
reserve_pool_size = 0
max_client_conn = {max_client_conn}
query_wait_timeout = {query_wait_timeout_s}
pidfile = {self.tmp}/pgbouncer.pid
logfile = {self.tmp}/pgbouncer.log
log_connections = 0
log_disconnections = 0
""")
        if self.pw:
            for path in (users, ini):
                os.chown(path, self.pw.pw_uid, self.pw.pw_gid)
        # SIGTERM is PgBouncer's immediate shutdown (SIGINT waits for the clients).
        p = self.procs.start("pgbouncer", self.user_prefix + ["pgbouncer", ini])
        if not wait_listening(self.bouncer_port, 15, p):
            raise RuntimeError(f"PgBouncer did not start (see {self.folder}/pgbouncer.log)")
        return self.bouncer_port

    def sql(self, sql, port=None, database="postgres"):
        return run_sql(port or self.port, sql, database=database)

    def close(self):
        """After procs.stop(): keeps the logs, removes the cluster."""
        for name in ("pgbouncer.log",):
            src = os.path.join(self.tmp, name)
            if os.path.exists(src):
                shutil.copy(src, os.path.join(self.folder, name))
        _remove(self.tmp)


class MariaDB:
    """One MariaDB server (InnoDB) for one case, without grant tables (any user gets in: the
    check's client sends no password), binary log off and the redo log flushed once a second
    (innodb_flush_log_at_trx_commit 0: no disk in the figures)."""

    def __init__(self, procs, folder):
        self.procs = procs
        self.folder = folder
        _, self.pw = _as_user("mysql")
        self.tmp = tempfile.mkdtemp(prefix="archsim-realcheck-mariadb-")
        if self.pw:
            os.chown(self.tmp, self.pw.pw_uid, self.pw.pw_gid)
        self.port = None

    def start(self, lock_wait_timeout_s=50, deadlock_detect=True):
        data = os.path.join(self.tmp, "data")
        user = ["--user=" + self.pw.pw_name] if self.pw else []
        res = subprocess.run(["mariadb-install-db", "--no-defaults", "--datadir=" + data, "--skip-test-db",
                              "--auth-root-authentication-method=normal"] + user,
                             capture_output=True, text=True, timeout=180, stdin=subprocess.DEVNULL)
        if res.returncode != 0:
            raise RuntimeError(f"mariadb-install-db failed: {res.stderr.strip()[-300:]}")
        self.port = free_port()
        p = self.procs.start("mariadb", ["mariadbd", "--no-defaults", "--datadir=" + data, "--port=" + str(self.port),
                                         "--bind-address=127.0.0.1", "--socket=" + os.path.join(self.tmp, "sock"),
                                         "--pid-file=" + os.path.join(self.tmp, "pid"), "--skip-grant-tables",
                                         "--skip-log-bin", "--innodb-buffer-pool-size=32M",
                                         "--innodb-flush-log-at-trx-commit=0",
                                         f"--innodb-lock-wait-timeout={lock_wait_timeout_s}",
                                         "--innodb-deadlock-detect=" + ("ON" if deadlock_detect else "OFF")] + user)
        if not wait_listening(self.port, 60, p):
            raise RuntimeError(f"MariaDB did not start (see {self.folder}/mariadb.log)")
        return self.port

    def close(self):
        _remove(self.tmp)
