"""Processes of the real check: free ports, start, wait until listening, stop by PID.

Every process started here is remembered with its PID (and, for NGINX, its workers' PIDs)
and stopped by those PIDs on every way out: normal return, an exception, SIGINT, SIGTERM or
SIGHUP (the handlers turn the signal into SystemExit so that `finally` blocks run).
Loopback only: every port is bound on 127.0.0.1.
"""
import os
import signal
import socket
import subprocess
import sys
import time


def free_port():
    """A TCP port free on 127.0.0.1 now (the kernel's choice)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port, seconds=10.0, proc=None):
    """True once 127.0.0.1:port accepts a connection; False after `seconds` or if `proc` died."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def _alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False


def children_of(pid):
    """PIDs whose parent is `pid` (read from /proc, no external command)."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                out.append(int(entry))
        except (OSError, IndexError, ValueError):
            continue
    return out


class Procs:
    """The processes of one case; stop() ends them all, by PID, and is safe to call twice."""

    def __init__(self, logdir, prefix=()):
        self.logdir = logdir
        self.prefix = list(prefix)  # e.g. a scheduling priority (realcheck.py priority_prefix)
        self.items = []  # (name, Popen, extra pids, stop signal)

    def start(self, name, cmd, stop_signal=signal.SIGTERM):
        """Starts `cmd` (after the prefix, which must exec it: chrt, nice and setpriv do) with its
        output in LOGDIR/NAME.log; stop() sends it `stop_signal` first (PostgreSQL's postmaster
        wants SIGINT, its fast shutdown: SIGTERM is a smart one that waits for every client)."""
        if self.prefix and cmd[:len(self.prefix)] != self.prefix:
            cmd = self.prefix + list(cmd)
        log = open(os.path.join(self.logdir, name + ".log"), "w")
        p = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        log.close()
        self.items.append([name, p, [], stop_signal])
        return p

    def adopt_children(self, p):
        """Remembers the current children of `p` (NGINX's workers) so that stop() ends them too."""
        for item in self.items:
            if item[1] is p:
                item[2] = children_of(p.pid)

    def stop(self):
        for name, p, extra, sig in reversed(self.items):
            if p.poll() is None:
                p.send_signal(sig)
        deadline = time.monotonic() + 5
        for name, p, extra, sig in reversed(self.items):
            try:
                p.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=5)
            for pid in extra:  # a worker its master did not take down
                if _alive(pid):
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except OSError:
                        pass
        self.items = []


def exit_on_signals():
    """SIGINT, SIGTERM and SIGHUP raise SystemExit, so that every `finally` stops its processes."""
    def handler(signum, _frame):
        raise SystemExit(128 + signum)
    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, handler)


def python():
    return sys.executable or "python3"
