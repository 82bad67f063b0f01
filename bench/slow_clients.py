"""Slow and many clients against /api/search: gunicorn alone, then nginx (deploy/nginx.conf) -> gunicorn.

For each target: a baseline (--clients clients asking for --seconds), the same while --slow sockets each send
one header line every 5 s (slowloris), then --many clients for --seconds. Prints a markdown table: requests,
errors (non-200 or no answer within 10 s), p50/p99 latency, throughput, and the p99 against the baseline.
gunicorn runs physlit.gunicorn_conf (sync workers) with GUNICORN_WORKERS=--workers, DEBUG off.

Smoke run on a tiny database (as the lead's full run, with --seconds 60 on the 3k corpus):
    export HF_HUB_OFFLINE=1 PHYSLIT_VAR_DIR=/tmp/h9-var PHYSLIT_ENCODER_BACKEND=onnx-int8
    .venv/bin/python manage.py migrate   # with DJANGO_DEBUG=1, or DJANGO_SECRET_KEY set
    .venv/bin/python manage.py import_snapshot /work/shared/data/arxiv-physics-3k.jsonl --limit 200
    .venv/bin/python manage.py build_index
    .venv/bin/python bench/slow_clients.py --seconds 5
Full run: .venv/bin/python bench/slow_clients.py --seconds 60 (nginx from `apt-get install nginx`; the
nginx rows are skipped where no nginx binary is found).
"""

from __future__ import annotations

import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import harness

QUERIES = [
    "graviton mass bound binary pulsar",
    "dark matter direct detection",
    "topological insulator surface states",
    "neutron star equation of state",
    "quantum error correction surface code",
    "cosmic microwave background anisotropy",
    "Higgs boson decay width",
    "superconductivity in twisted bilayer graphene",
]
REQUEST_TIMEOUT = 10.0
SLOW_LINE_SECONDS = 5.0


def server_wait(url: str, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except (OSError, urllib.error.URLError):
            time.sleep(0.5)
    raise SystemExit(f"no answer from {url} within {seconds:.0f} s")


def gunicorn_start(port: int, workers: int, env: dict[str, str]) -> subprocess.Popen:
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    command = [gunicorn, "-c", "python:physlit.gunicorn_conf", "-b", f"127.0.0.1:{port}", "physlit.wsgi"]
    return subprocess.Popen(
        command,
        cwd=harness.ROOT,
        env={**env, "GUNICORN_WORKERS": str(workers)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def nginx_start(nginx: str, port: int, upstream_port: int, folder: Path) -> subprocess.Popen:
    """deploy/nginx.conf as compose runs it, with the upstream, port, pid and temp paths moved here."""
    conf = (harness.ROOT / "deploy" / "nginx.conf").read_text()
    conf = conf.replace("server web:8000;", f"server 127.0.0.1:{upstream_port};")
    conf = conf.replace("listen 8080;", f"listen 127.0.0.1:{port};")
    conf = conf.replace("pid /tmp/nginx.pid;", f"pid {folder}/nginx.pid;")
    conf = conf.replace("/tmp/nginx-", f"{folder}/nginx-")
    conf = conf.replace("access_log /dev/stdout;", "access_log off;")
    if os.geteuid() == 0:
        conf = "user root;\n" + conf  # worker processes keep access to the temp folder
    (folder / "nginx.conf").write_text(conf)
    return subprocess.Popen(
        [nginx, "-p", str(folder), "-c", str(folder / "nginx.conf"), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def client_run(base: str, seconds: float, latencies: list[float], errors: list[str], index: int) -> None:
    deadline = time.monotonic() + seconds
    n = index
    while time.monotonic() < deadline:
        query = urllib.request.quote(QUERIES[n % len(QUERIES)])
        n += 1
        started = time.monotonic()
        try:
            with urllib.request.urlopen(f"{base}/api/search?q={query}", timeout=REQUEST_TIMEOUT) as response:
                response.read()
                ok = response.status == 200
        except (OSError, urllib.error.URLError) as exc:
            ok = False
            errors.append(type(exc).__name__)
        else:
            if not ok:
                errors.append(str(response.status))
        if ok:
            latencies.append(time.monotonic() - started)


def slowloris_run(host: str, port: int, stop: threading.Event) -> None:
    """One socket that sends a header line every 5 s and never finishes; reconnects when cut off."""
    while not stop.is_set():
        try:
            with socket.create_connection((host, port), timeout=REQUEST_TIMEOUT) as sock:
                sock.sendall(b"GET /api/search?q=slow HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                while not stop.wait(SLOW_LINE_SECONDS):
                    sock.sendall(b"X-Slow: 1\r\n")
        except OSError:
            stop.wait(0.5)


def load_run(base: str, clients: int, seconds: float, slow: int = 0) -> dict:
    latencies: list[float] = []
    errors: list[str] = []
    stop = threading.Event()
    host, port = base.removeprefix("http://").split(":")
    sloths = [
        threading.Thread(target=slowloris_run, args=(host, int(port), stop), daemon=True) for _ in range(slow)
    ]
    for thread in sloths:
        thread.start()
    if slow:
        time.sleep(1.0)  # the slow sockets hold their workers before the clients start
    threads = [
        threading.Thread(target=client_run, args=(base, seconds, latencies, errors, i))
        for i in range(clients)
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    stop.set()
    ordered = sorted(latencies)

    def pct(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else float("nan")

    return {
        "requests": len(latencies) + len(errors),
        "errors": len(errors),
        "error_kinds": sorted(set(errors)),
        "p50": statistics.median(ordered) * 1000 if ordered else float("nan"),
        "p99": pct(0.99),
        "rps": len(latencies) / elapsed,
    }


def target_measure(name: str, base: str, args) -> None:
    server_wait(f"{base}/api/search?q=warm")
    baseline = load_run(base, args.clients, args.seconds)
    slow = load_run(base, args.clients, args.seconds, slow=args.slow)
    many = load_run(base, args.many, args.seconds)
    for phase, clients, result in (
        ("baseline", args.clients, baseline),
        (f"+{args.slow} slowloris", args.clients, slow),
        ("many", args.many, many),
    ):
        ratio = result["p99"] / baseline["p99"] if baseline["p99"] == baseline["p99"] else float("nan")
        kinds = ", ".join(result["error_kinds"])
        harness.table_row(
            name,
            phase,
            clients,
            result["requests"],
            f"{result['errors']} {kinds}".strip(),
            f"{result['p50']:.0f}",
            f"{result['p99']:.0f}",
            f"{result['rps']:.1f}",
            f"{ratio:.2f}x",
        )


def main() -> None:
    parser = harness.parser_make(__doc__, database=True, var_dir=True)
    parser.add_argument("--seconds", type=float, default=60.0, help="length of each phase (default 60)")
    parser.add_argument("--clients", type=int, default=8, help="clients in the baseline and slowloris phases")
    parser.add_argument("--slow", type=int, default=2, help="slowloris sockets (default 2)")
    parser.add_argument("--many", type=int, default=50, help="clients in the many-clients phase (default 50)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (default 2)")
    parser.add_argument(
        "--nginx", default=shutil.which("nginx") or "", help="nginx binary (default: on PATH)"
    )
    args = parser.parse_args()
    env = {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY", "physlit-benchmark-only"),
        "PHYSLIT_ASK_RATE": "0",
        "HF_HUB_OFFLINE": "1",
    }
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
    if args.var_dir:
        env["PHYSLIT_VAR_DIR"] = args.var_dir
    print(
        f"/api/search, {args.workers} sync gunicorn workers, {args.seconds:.0f} s a phase, "
        f"slowloris: {args.slow} sockets, one header line every {SLOW_LINE_SECONDS:.0f} s; "
        f"p99 ratio against the target's own baseline\n"
    )
    harness.table_header(
        ["target", "phase", "clients", "requests", "errors", "p50 ms", "p99 ms", "req/s", "p99 / baseline"],
        "llrrrrrrr",
    )
    port = harness.free_port()
    gunicorn = gunicorn_start(port, args.workers, env)
    try:
        target_measure("gunicorn", f"http://127.0.0.1:{port}", args)
    finally:
        os.killpg(gunicorn.pid, 15)
        gunicorn.wait()
    if not args.nginx:
        print("\nnginx: not found (apt-get install nginx), nginx rows skipped")
        return
    port = harness.free_port()
    gunicorn = gunicorn_start(port, args.workers, env)
    with tempfile.TemporaryDirectory(prefix="physlit-nginx-") as folder:
        nginx_port = harness.free_port()
        nginx = nginx_start(args.nginx, nginx_port, port, Path(folder))
        try:
            server_wait(f"http://127.0.0.1:{port}/api/search?q=warm")
            target_measure("nginx -> gunicorn", f"http://127.0.0.1:{nginx_port}", args)
        finally:
            for process in (nginx, gunicorn):
                os.killpg(process.pid, 15)
                process.wait()


if __name__ == "__main__":
    main()
