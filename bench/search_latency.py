"""/api/search latency through gunicorn with PostgreSQL, N concurrent clients (wrk), plus web-process memory.

    flock /tmp/physlit-bench.lock .venv/bin/python bench/search_latency.py \
        --database-url postgres://postgres@127.0.0.1:5432/physlit_dev --var-dir /tmp/physlit-dev

Needs a database with the corpus and a built index (`manage.py build_index`), and Debian's `wrk`. Queries
are the dev and hard question files (100 distinct questions; a fifth of them also filter by category),
cycled for the whole run; nothing is cached by physlit, so repeats cost the same as new questions.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

import psutil
from harness import QUESTION_FILES, ROOT, SHARED, free_port, parser_make, table_header

TARGETS = {"p50": 30.0, "p99": 100.0}


def query_paths(k: int) -> list[str]:
    paths = []
    for name in QUESTION_FILES:
        for i, line in enumerate((SHARED / "eval" / name).read_text().splitlines()):
            params = {"q": json.loads(line)["question"], "k": k}
            if i % 5 == 0:
                params["category"] = ("quant-ph", "hep-th", "astro-ph", "gr-qc", "cond-mat")[i // 5 % 5]
            paths.append("/api/search?" + urllib.parse.urlencode(params))
    return paths


def wrk_script(paths: list[str], folder: Path) -> Path:
    lua = folder / "paths.lua"
    items = ",\n".join(json.dumps(p) for p in paths)
    lua.write_text(
        "local paths = {\n" + items + "\n}\nlocal i = 0\n"
        "request = function()\n  i = i % #paths + 1\n  return wrk.format('GET', paths[i])\nend\n"
    )
    return lua


def parse_ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def cpu_seconds(workers: list[psutil.Process]) -> dict[str, float]:
    """CPU seconds (user + system) used so far by the web workers and by PostgreSQL's processes."""

    def used(p: psutil.Process) -> float:
        try:
            t = p.cpu_times()
            return t.user + t.system
        except psutil.NoSuchProcess:
            return 0.0

    postgres = [p for p in psutil.process_iter(["name"]) if (p.info["name"] or "").startswith("postgres")]
    return {"web": sum(map(used, workers)), "postgres": sum(map(used, postgres))}


def main() -> None:
    parser = parser_make(__doc__, database=True, var_dir=True)
    parser.set_defaults(var_dir=os.environ.get("PHYSLIT_VAR_DIR", str(ROOT / "var")))
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--k", type=int, default=10)
    args = parser.parse_args()
    if not args.database_url.startswith("postgres"):
        sys.exit("give --database-url postgres://... (the benchmark is specified on PostgreSQL)")
    if not shutil.which("wrk"):
        sys.exit("wrk not found: apt-get install wrk")

    port = free_port()
    env = dict(
        os.environ,
        DATABASE_URL=args.database_url,
        PHYSLIT_VAR_DIR=args.var_dir,
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="physlit-benchmark-only",
        HF_HUB_OFFLINE="1",
        PYTHONPATH=str(ROOT),
    )
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "-c",
            "python:physlit.gunicorn_conf",
            "-w",
            str(args.workers),
            "-b",
            f"127.0.0.1:{port}",
            "physlit.wsgi",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        paths = query_paths(args.k)
        deadline = time.time() + 300
        while True:  # the workers warm up (index + encoder) before they accept requests
            try:
                with urllib.request.urlopen(base + paths[0], timeout=60) as r:
                    assert r.status == 200, r.status
                break
            except OSError:
                if time.time() > deadline or server.poll() is not None:
                    sys.exit("gunicorn did not come up:\n" + server.stderr.read().decode()[-3000:])
                time.sleep(1)
        for path in paths:  # one pass so every worker has run every code path once
            urllib.request.urlopen(base + path, timeout=60).read()
        workers = psutil.Process(server.pid).children()
        before = cpu_seconds(workers)
        with tempfile.TemporaryDirectory() as tmp:
            script = wrk_script(paths, Path(tmp))
            out = subprocess.run(
                [
                    "wrk",
                    "-t2",
                    f"-c{args.clients}",
                    f"-d{args.seconds}s",
                    "--latency",
                    "-s",
                    str(script),
                    base,
                ],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        dist = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)$", out, re.M))
        rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
        errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        requests = int(re.search(r"(\d+) requests in", out).group(1))
        spent = {k: (v - before[k]) * 1000 / requests for k, v in cpu_seconds(workers).items()}
        rss = [w.memory_info().rss / 2**20 for w in workers]
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    p50, p99 = parse_ms(dist["50"]), parse_ms(dist["99"])
    print(
        f"\n/api/search (hybrid, k={args.k}) through gunicorn ({args.workers} workers) with PostgreSQL, "
        f"{args.clients} concurrent clients, {args.seconds} s, {len(paths)} distinct queries\n"
    )
    table_header(["metric", "physlit", "target"])
    print(f"| p50 latency | {p50:.1f} ms | <= {TARGETS['p50']:.0f} ms |")
    print(f"| p90 latency | {parse_ms(dist['90']):.1f} ms | |")
    print(f"| p99 latency | {p99:.1f} ms | <= {TARGETS['p99']:.0f} ms |")
    print(f"| throughput | {rps:.0f} requests/s | |")
    print(f"| non-2xx responses | {errors.group(1) if errors else 0} | 0 |")
    print(f"| RSS per web worker, index loaded | {', '.join(f'{r:.0f}' for r in rss)} MiB | |")
    print(f"| CPU per request: web worker / PostgreSQL | {spent['web']:.1f} / {spent['postgres']:.1f} ms | |")


if __name__ == "__main__":
    main()
