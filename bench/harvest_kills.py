"""Harvests killed with SIGKILL mid-run, then one run to the end: nothing lost, nothing stored twice, and
every killed run marked interrupted by the run after it (issue 18 item 6).

`manage.py harvest --source oai` runs against the fake arXiv (tests/support/fake_arxiv.py) on 127.0.0.1 with
a fresh SQLite database in a temporary folder; each run is killed after a random 1 to 3 pages. Prints a
markdown table. The lead's measurement:

    .venv/bin/python bench/harvest_kills.py --kills 10 --records 300

A smoke run: `.venv/bin/python bench/harvest_kills.py --kills 2 --records 40` (about 15 s).
"""

import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness import ROOT, parser_make, table_header, table_row

from tests.support.fake_arxiv import FakeArxiv, generate_records  # noqa: E402

# arXivRaw carries every version: a version stored twice would show as extra PaperVersion rows.
COMMAND = [
    sys.executable,
    "manage.py",
    "harvest",
    "--source",
    "oai",
    "--categories",
    "hep-th",
    "--format",
    "arXivRaw",
]
PAGE = 5  # records per fake OAI page


def run_killed(env: dict[str, str], fake: FakeArxiv, pages: int) -> None:
    """Start a harvest and SIGKILL it once it has asked for `pages` more pages (or it has finished)."""
    start = len(fake.requests)
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    process = subprocess.Popen(COMMAND, cwd=ROOT, env=env, **quiet)
    deadline = time.monotonic() + 120
    while len(fake.requests) < start + pages and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)


def main() -> None:
    parser = parser_make(__doc__)
    parser.add_argument("--kills", type=int, default=10, help="runs to kill before the last (default 10)")
    parser.add_argument("--records", type=int, default=300, help="records the fake arXiv serves")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    records = generate_records(args.records, categories=["hep-th"])
    with tempfile.TemporaryDirectory() as folder, FakeArxiv(records, page_size=PAGE) as fake:
        db = Path(folder) / "db.sqlite3"
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{db}",
            "HF_HUB_OFFLINE": "1",
            "PHYSLIT_LOG_LEVEL": "WARNING",
            "PHYSLIT_OAI_URL": fake.oai_url,
            "PHYSLIT_HARVEST_DELAY": "0.05",
        }
        subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        started = time.monotonic()
        for _ in range(args.kills):
            run_killed(env, fake, rng.randint(1, 3))
        last = subprocess.run(COMMAND, cwd=ROOT, env=env, capture_output=True, text=True)
        seconds = time.monotonic() - started
        with sqlite3.connect(db) as con:
            ids = [row[0] for row in con.execute("select arxiv_id from corpus_paper")]
            versions = con.execute("select count(*) from corpus_paperversion").fetchone()[0]
            statuses = [row[0] for row in con.execute("select status from corpus_harvestrun order by id")]
    expected = {r["id"] for r in records}
    expected_versions = sum(len(r["versions"]) for r in records)
    columns = ["kills", "papers", "papers stored", "lost", "versions", "versions stored"]
    columns += ["runs interrupted", "runs running"]
    table_header([*columns, "last run", "s"], "rrrrrrrrlr")
    table_row(
        args.kills,
        len(expected),
        len(ids),
        len(expected - set(ids)),
        expected_versions,
        versions,
        statuses.count("interrupted"),
        statuses.count("running"),
        statuses[-1] if last.returncode == 0 else f"exit {last.returncode}",
        f"{seconds:.1f}",
    )


if __name__ == "__main__":
    main()
