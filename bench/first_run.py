"""A newcomer's first run, timed: `make run SNAPSHOT=<3k demo>` on a clean clone of a repository.

Clones --repo (a path or URL, default this checkout's committed HEAD) into a temporary folder, installs
(`make install`; --reuse-venv links an existing virtualenv instead, so only `make run` is timed), then
starts `make run` and polls the server. Reports seconds from the start of `make run` (the end of the
install) to: the first page served, the first search served (GET /api/search answers 200), the first
trained summarizer, reader and classifier (rows in the SQLite database `make run` uses), and the end of the
background first start. Also counts the lines of the console and of var/first-start.log that
look alarming (Traceback, Error, Warning).

    python bench/first_run.py                      # this checkout's HEAD
    python bench/first_run.py --repo /tmp/base     # another commit (a git worktree), the baseline
"""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import harness

ALARMING = re.compile(r"Traceback|Error|Warning|WARNING|ERROR", re.IGNORECASE)


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (OSError, urllib.error.URLError):
        return 0


def _models(db: Path) -> set[str]:
    if not db.exists():
        return set()
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as con:
            rows = con.execute("select kind from registry_modelversion where status = 'current'").fetchall()
        return {kind for (kind,) in rows}
    except sqlite3.Error:
        return set()


def main() -> None:
    parser = harness.parser_make(__doc__)
    parser.add_argument("--repo", default=str(harness.ROOT))
    parser.add_argument("--snapshot", default=str(harness.SHARED / "data" / "arxiv-physics-3k.jsonl"))
    parser.add_argument("--reuse-venv", default="", help="link this virtualenv instead of `make install`")
    parser.add_argument("--query", default="quantum error correction surface code")
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument("--keep", type=Path, help="clone into this new folder and keep it")
    args = parser.parse_args()
    if not Path(args.snapshot).exists():
        raise SystemExit(f"no snapshot at {args.snapshot} (set PHYSLIT_SHARED_DIR)")
    port = harness.free_port()
    with tempfile.TemporaryDirectory(prefix="physlit-first-run-") as tmp:
        clone = args.keep or Path(tmp) / "physlit"
        subprocess.run(["git", "clone", "--quiet", args.repo, str(clone)], check=True)
        ours = ("DJANGO_", "PHYSLIT_", "DATABASE_URL")  # a newcomer's shell sets none of physlit's variables
        env = {k: v for k, v in os.environ.items() if not k.startswith(ours)}
        env["PHYSLIT_SHARED_DIR"] = str(harness.SHARED)
        started = time.monotonic()
        if args.reuse_venv:
            (clone / ".venv").symlink_to(Path(args.reuse_venv).resolve())
            (clone / ".venv" / ".installed").touch()
        subprocess.run(["make", "install"], cwd=clone, env=env, check=True, capture_output=True)
        install_s = time.monotonic() - started
        console = open(Path(tmp) / "console.log", "w")
        run = subprocess.Popen(
            ["make", "run", f"SNAPSHOT={args.snapshot}", f"PORT={port}"],
            cwd=clone,
            env=env,
            stdout=console,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        t0 = time.monotonic()
        marks: dict[str, float] = {}
        db = clone / "var" / "physlit.sqlite3"
        log = clone / "var" / "first-start.log"
        base = f"http://127.0.0.1:{port}"
        search_url = f"{base}/api/search?" + urllib.parse.urlencode({"q": args.query})
        try:
            while time.monotonic() - t0 < args.timeout and run.poll() is None:
                now = time.monotonic() - t0
                if "page" not in marks and _get(f"{base}/") == 200:
                    marks["page"] = now
                if "page" in marks and "search" not in marks and _get(search_url) == 200:
                    marks["search"] = now
                current = _models(db)
                for kind in ("summarizer", "reader", "classifier"):
                    if kind in current and kind not in marks:
                        marks[kind] = now
                if log.exists() and "first start done" in log.read_text(errors="replace"):
                    marks["done"] = now
                    break
                if {"search", "summarizer", "reader"} <= set(marks) and now > args.timeout / 2:
                    break  # an older Makefile prints no "first start done"
                time.sleep(0.5)
        finally:
            os.killpg(run.pid, signal.SIGTERM)
            run.wait(timeout=30)
            console.close()
        console_text = (Path(tmp) / "console.log").read_text(errors="replace")
        log_text = log.read_text(errors="replace") if log.exists() else ""
        lines = (console_text + log_text).splitlines()
        # Not noise: migration names (..._add_error_messages) and the access log (this script's own query).
        ours = re.compile(r'^\s*Applying |^\[[^]]+\] "(GET|POST) ')
        alarming = [line for line in lines if ALARMING.search(line) and not ours.match(line)]
        rows = [
            ["install (not counted below)", f"{install_s:.0f} s"],
            ["first page served", _fmt(marks.get("page"))],
            ["first search served", _fmt(marks.get("search"))],
            ["first summarizer current", _fmt(marks.get("summarizer"))],
            ["first reader current", _fmt(marks.get("reader"))],
            ["first classifier current", _fmt(marks.get("classifier"))],
            ["first start done (all summarized)", _fmt(marks.get("done"))],
            ["alarming console/log lines", str(len(alarming))],
        ]
        harness.table_header(["`make run` on the 3k demo", "seconds from the end of install"], "lr")
        for row in rows:
            harness.table_row(*row)
        for line in alarming[:20]:
            print("   ", line[:160])
        print(json.dumps({"marks": marks, "install_s": install_s}))


def _fmt(value: float | None) -> str:
    return "not reached" if value is None else f"{value:.0f} s"


if __name__ == "__main__":
    main()
