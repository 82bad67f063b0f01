"""Benchmark (serving): how fast a gunicorn web worker answers its first search and ask, and what it holds.

Starts `gunicorn -c physlit/gunicorn_conf.py physlit.wsgi` (1 worker) on a free port against the database
and index the environment names (DATABASE_URL, PHYSLIT_VAR_DIR, ...), once per `--repo` checkout, and prints
one row each: seconds from launch to the first 200 of /api/search and of /api/ask, the worker's RSS after
both, and whether libtorch is mapped into the worker. With two checkouts it prints the ratio new/old.

    python bench/web_worker.py --repo /tmp/base --repo .
    # each checkout on its own database and var folder (an older checkout cannot serve a newer schema):
    PG=postgres://postgres@127.0.0.1:5432
    python bench/web_worker.py --repo /tmp/base::$PG/physlit_dev::/tmp/physlit-dev \
        --repo .::$PG/physlit_new::/tmp/physlit-new --rounds 3

With --rounds N the checkouts are launched in turn N times and each row is the median of its N launches.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import psutil

QUERY = "graviton mass bound from binary pulsars"
QUESTION = "What bound on the graviton mass comes from binary pulsar timing?"


def port_free() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def url_wait(request: urllib.request.Request | str, deadline: float) -> float:
    """Retry until the URL answers 200; returns the time.monotonic() it did."""
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(request, timeout=300) as response:
                if response.status == 200:
                    response.read()
                    return time.monotonic()
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.05)
    raise TimeoutError(f"no 200 from {getattr(request, 'full_url', request)} before the deadline")


def worker_measure(repo: Path, timeout: float, overrides: dict[str, str] | None = None) -> dict:
    """Launch gunicorn from `repo`, time the first search and ask, read the worker's RSS and maps."""
    port = port_free()
    python = repo / ".venv" / "bin" / "python"
    cmd = [
        str(python if python.exists() else sys.executable),
        "-m",
        "gunicorn",
        "-c",
        "physlit/gunicorn_conf.py",
        "--workers",
        "1",
        "--bind",
        f"127.0.0.1:{port}",
        "physlit.wsgi",
    ]
    env = {**os.environ, **(overrides or {}), "GUNICORN_WORKERS": "1", "PYTHONPATH": str(repo)}
    started = time.monotonic()
    server = subprocess.Popen(cmd, cwd=repo, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = started + timeout
        search_at = url_wait(f"{base}/api/search?{urllib.parse.urlencode({'q': QUERY})}", deadline)
        body = json.dumps({"question": QUESTION, "conversation": None}).encode()
        ask = urllib.request.Request(
            f"{base}/api/ask", data=body, headers={"Content-Type": "application/json"}, method="POST"
        )
        ask_at = url_wait(ask, deadline)
        workers = psutil.Process(server.pid).children()
        if not workers:
            raise RuntimeError("gunicorn has no worker process")
        worker = workers[0]
        maps = Path(f"/proc/{worker.pid}/maps").read_text()
        return {
            "repo": str(repo),
            "first_search_s": search_at - started,
            "first_ask_s": ask_at - started,
            "worker_rss_mb": worker.memory_info().rss / 2**20,
            "libtorch": "libtorch_cpu" in maps,
            "transformers": "transformers" in maps,  # only native parts map; libtorch is the telling one
        }
    finally:
        server.terminate()
        try:
            _, err = server.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            _, err = server.communicate()
        if server.returncode not in (0, -15):
            sys.stderr.write(err.decode(errors="replace")[-3000:])


def median_row(runs: list[dict]) -> dict:
    """One row per checkout: the median of each number over its launches."""
    row = dict(runs[0])
    for key in ("first_search_s", "first_ask_s", "worker_rss_mb"):
        row[key] = statistics.median(r[key] for r in runs)
    row["libtorch"] = any(r["libtorch"] for r in runs)
    return row


def table_print(rows: list[dict]) -> None:
    print(f"{'repo':40} {'1st search s':>12} {'1st ask s':>10} {'worker RSS MB':>13} {'libtorch':>8}")
    for r in rows:
        print(
            f"{r['repo'][-40:]:40} {r['first_search_s']:12.2f} {r['first_ask_s']:10.2f} "
            f"{r['worker_rss_mb']:13.0f} {str(r['libtorch']):>8}"
        )
    if len(rows) == 2:
        old, new = rows
        search, ask = new["first_search_s"] / old["first_search_s"], new["first_ask_s"] / old["first_ask_s"]
        rss = new["worker_rss_mb"] / old["worker_rss_mb"]
        print(f"{'ratio (second / first)':40} {search:12.2f} {ask:10.2f} {rss:13.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--repo",
        action="append",
        help="checkout to serve from, optionally PATH::DATABASE_URL::VAR_DIR (repeatable)",
    )
    parser.add_argument("--rounds", type=int, default=1, help="launches per checkout (median)")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds to wait for each answer")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON too")
    args = parser.parse_args()
    specs = args.repo or [str(Path(__file__).resolve().parent.parent)]
    targets = []
    for spec in specs:
        path, database_url, var_dir = (spec.split("::") + ["", ""])[:3]
        overrides = {"DATABASE_URL": database_url} if database_url else {}
        if var_dir:
            overrides["PHYSLIT_VAR_DIR"] = var_dir
        targets.append((Path(path).resolve(), overrides))
    runs: list[list[dict]] = [[] for _ in targets]
    for _ in range(args.rounds):  # in turn, so that each checkout sees the same machine state
        for i, (repo, overrides) in enumerate(targets):
            runs[i].append(worker_measure(repo, args.timeout, overrides))
    rows = [median_row(r) for r in runs]
    table_print(rows)
    if args.json:
        print(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
