"""Configurations of the real systems under check, each written into the case's folder.

NGINX: one `upstream` with the case's method, every default left as shipped (max_fails=1,
fail_timeout=10s, proxy_next_upstream error timeout, HTTP/1.0 to the upstream with a new
connection per request), no `zone` (so with several worker processes each counts its own
connections), access log with the worker's PID so that the check can see how the kernel
spread connections over the workers.
HAProxy: one frontend and one backend in `mode http`, `balance` as the case says, optional
`maxconn` on every server line (then the backend queues what no server can take) and
`timeout queue`.
Redis: no persistence, `maxmemory` in bytes and the case's `maxmemory-policy`.
"""
import os

from procs import free_port, wait_listening, children_of


def nginx_conf(folder, port, backends, method, workers):
    servers = "\n".join(f"        server 127.0.0.1:{p};" for p in backends)
    lines = {"round_robin": "", "least_conn": "        least_conn;\n",
             "random_two": "        random two least_conn;\n"}[method]
    temp = "\n".join(f"    {d}_temp_path {folder}/{d}_temp;" for d in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    conf = f"""worker_processes {workers};
daemon off;
master_process on;
pid {folder}/nginx.pid;
error_log {folder}/nginx-error.log warn;
events {{
    worker_connections 4096;
}}
http {{
    log_format realcheck '$pid $connection $upstream_addr $request_time';
    access_log {folder}/nginx-access.log realcheck;
{temp}
    upstream backends {{
{lines}{servers}
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://backends;
        }}
    }}
}}
"""
    path = os.path.join(folder, "nginx.conf")
    with open(path, "w") as f:
        f.write(conf)
    return path


def haproxy_conf(folder, port, backends, balance, maxconn, queue_timeout_s):
    mc = f" maxconn {maxconn}" if maxconn else ""
    servers = "\n".join(f"    server s{i + 1} 127.0.0.1:{p}{mc}" for i, p in enumerate(backends))
    conf = f"""global
    maxconn 4000
    pidfile {folder}/haproxy.pid

defaults
    mode http
    timeout connect 5s
    timeout client 60s
    timeout server 60s
    timeout queue {queue_timeout_s}s

frontend fe
    bind 127.0.0.1:{port}
    default_backend be

backend be
    balance {balance}
{servers}
"""
    path = os.path.join(folder, "haproxy.cfg")
    with open(path, "w") as f:
        f.write(conf)
    return path


def start_proxy(procs, folder, case, backend_ports):
    """Starts the case's proxy in front of `backend_ports`; returns its port."""
    port = free_port()
    if case["proxy"] == "nginx":
        for d in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            os.makedirs(os.path.join(folder, d + "_temp"), exist_ok=True)
        conf = nginx_conf(folder, port, backend_ports, case["method"], case.get("workers", 1))
        p = procs.start("nginx", ["nginx", "-p", folder, "-c", conf, "-e", os.path.join(folder, "nginx-error.log")])
    else:
        conf = haproxy_conf(folder, port, backend_ports, case["method"], case.get("maxconn"), case.get("queue_timeout_s", 60))
        p = procs.start("haproxy", ["haproxy", "-db", "-f", conf])
    if not wait_listening(port, 10, p):
        raise RuntimeError(f"{case['proxy']} did not start (see {folder})")
    procs.adopt_children(p)
    return port


def start_redis(procs, policy):
    port = free_port()
    p = procs.start("redis", ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                              "--appendonly", "no", "--daemonize", "no", "--maxmemory-policy", policy,
                              "--protected-mode", "no"])
    if not wait_listening(port, 10, p):
        raise RuntimeError("redis-server did not start")
    return port


__all__ = ["start_proxy", "start_redis", "children_of"]
