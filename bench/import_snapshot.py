"""Benchmark of `manage.py import_snapshot` on PostgreSQL: the 83k shared snapshot, then a generated 10x file,
each into a fresh database; prints papers/s and the importer's peak RSS as a markdown table.

Run it alone: `flock /tmp/physlit-bench.lock .venv/bin/python bench/import_snapshot.py` (docs/benchmarks.md).
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from harness import ROOT, SHARED, django_setup, parser_make, table_header, table_row
from psycopg import sql

from bench.make_snapshot import snapshot_scale  # noqa: E402

TARGET = 2000  # papers/s
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/physlit_bench"


def _admin(url: str) -> tuple[str, sql.Identifier]:
    """The server's maintenance database URL and the bench database's name, checked."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    # The bench drops what it is given: refuse anything that is not plainly a bench database.
    if "bench" not in name:
        sys.exit(f"refusing to use {name!r}: the benchmark database's name must contain 'bench'")
    return urlunsplit(parts._replace(path="/postgres")), sql.Identifier(name)


def database_drop(url: str, *, create: bool = False) -> None:
    admin, name = _admin(url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        if create:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(name))


def manage(url: str, *args: str) -> tuple[float, float]:
    """Run manage.py in a child process; (wall seconds, peak RSS MiB of that child)."""
    env = {**os.environ, "DATABASE_URL": url}
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, str(ROOT / "manage.py"), *args], cwd=ROOT, env=env)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        sys.exit(f"manage.py {' '.join(args)} failed with exit code {child.returncode}")
    return seconds, usage.ru_maxrss / 1024  # Linux reports KiB


def paper_count(url: str) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT count(*) FROM corpus_paper").fetchone()[0]


def import_measure(url: str, path: Path) -> tuple[int, float, float]:
    """Fresh database, migrations, then the timed import: (papers, seconds, peak RSS MiB)."""
    database_drop(url, create=True)
    manage(url, "migrate", "--noinput", "-v0")
    seconds, rss = manage(url, "import_snapshot", str(path), "--no-progress")
    return paper_count(url), seconds, rss


def baseline_measure(url: str, path: Path, n: int) -> tuple[int, float]:
    """Naive per-paper update_or_create of the first n physics papers, in this process: (papers, seconds)."""
    database_drop(url, create=True)
    manage(url, "migrate", "--noinput", "-v0")
    django_setup(argparse.Namespace(database_url=url))
    from django.db import connections

    from physlit.corpus.categories import PHYSICS_ARCHIVES, categories_match, category_archive
    from physlit.corpus.models import Paper, PaperCategory, PaperVersion
    from physlit.harvest.snapshot import snapshot_lines_open, snapshot_lines_parse

    records = []
    with ExitStack() as stack:
        _, lines = snapshot_lines_open(path, stack)
        for _, record in snapshot_lines_parse(lines):
            if not isinstance(record, str) and categories_match(record.categories, PHYSICS_ARCHIVES):
                records.append(record)
                if len(records) == n:
                    break
    started = time.perf_counter()
    for r in records:
        paper, _ = Paper.objects.update_or_create(
            arxiv_id=r.arxiv_id,
            defaults=dict(
                title=r.title,
                abstract=r.abstract,
                authors=r.authors,
                categories=r.categories,
                primary_category=r.categories[0] if r.categories else "",
                comments=r.comments,
                journal_ref=r.journal_ref,
                doi=r.doi,
                report_no=r.report_no,
                license=r.license,
                submitter=r.submitter,
                first_submitted=r.first_submitted,
                last_updated=r.last_updated,
                latest_version=r.latest_version,
                authors_text="; ".join(r.authors).lower(),
            ),
        )
        for v in r.versions:
            PaperVersion.objects.update_or_create(
                paper=paper, version=v.version, defaults={"submitted": v.submitted}
            )
        for i, c in enumerate(r.categories):
            PaperCategory.objects.update_or_create(
                paper=paper, category=c, defaults={"archive": category_archive(c), "is_primary": i == 0}
            )
    seconds = time.perf_counter() - started
    connections.close_all()
    return len(records), seconds


def main() -> None:
    parser = parser_make(__doc__)
    parser.add_argument("--database-url", default=DEFAULT_URL, help="dropped and re-created (%(default)s)")
    parser.add_argument("--snapshot", type=Path, default=SHARED / "data" / "arxiv-physics-83k.jsonl.gz")
    parser.add_argument("--copies", type=int, default=10, help="size of the large file in copies (0: skip)")
    parser.add_argument("--baseline", type=int, default=5000, help="papers for the naive baseline (0: skip)")
    parser.add_argument("--work-dir", type=Path, default=Path(tempfile.gettempdir()) / "physlit-bench")
    args = parser.parse_args()
    if not args.snapshot.is_file():
        sys.exit(f"snapshot not found: {args.snapshot} (set PHYSLIT_SHARED_DIR or --snapshot)")

    _admin(args.database_url)
    rows = []
    try:
        papers, seconds, rss = import_measure(args.database_url, args.snapshot)
        rows.append((args.snapshot.name, papers, seconds, rss))
        rate = papers / seconds
        if args.copies > 1:
            args.work_dir.mkdir(parents=True, exist_ok=True)
            large = args.work_dir / f"{args.snapshot.name.split('.')[0]}-x{args.copies}.jsonl.gz"
            print(f"writing {large} ...", file=sys.stderr)
            snapshot_scale(args.snapshot, large, args.copies)
            papers, seconds, rss = import_measure(args.database_url, large)
            rows.append((f"{large.name} (generated)", papers, seconds, rss))
            large.unlink()
        if args.baseline:
            papers, seconds = baseline_measure(args.database_url, args.snapshot, args.baseline)
            rows.append((f"naive update_or_create, first {papers:,} papers", papers, seconds, None))
    finally:
        database_drop(args.database_url)

    print(f"\nTarget: >= {TARGET:,} papers/s on PostgreSQL.\n")
    table_header(["file", "papers", "seconds", "papers/s", "peak RSS MiB", "vs target"], align="lrrrrl")
    for name, papers, seconds, rss in rows:
        per_s = papers / seconds
        verdict = f"{per_s / TARGET:.1f}x" if rss is not None else f"import is {rate / per_s:.0f}x faster"
        rss_text = f"{rss:,.0f}" if rss is not None else "-"
        table_row(name, f"{papers:,}", f"{seconds:,.1f}", f"{per_s:,.0f}", rss_text, verdict)


if __name__ == "__main__":
    main()
