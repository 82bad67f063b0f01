"""The benchmarks' shared setup: repository and shared-data paths, the common arguments, Django pointed at a
chosen database and var folder, a free port, and the markdown tables the scripts print.

Scripts run as `python bench/NAME.py`, so bench/ is sys.path[0] and they `import harness`; importing it
puts the repository root on sys.path so that `physlit` imports work too.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Real data and evaluation questions (the Kaggle snapshots, dev questions), as the settings read it.
SHARED = Path(os.environ.get("PHYSLIT_SHARED_DIR", ROOT.parent / "shared"))
QUESTION_FILES = ("dev-questions.jsonl", "dev-questions-hard.jsonl")


def parser_make(doc: str | None, *, database: bool = False, var_dir: bool = False) -> argparse.ArgumentParser:
    """An argument parser showing the script's docstring as written; with --database-url and --var-dir
    (defaults: DATABASE_URL and PHYSLIT_VAR_DIR) for scripts that read physlit's database and files."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    if database:
        parser.add_argument(
            "--database-url",
            default=os.environ.get("DATABASE_URL", ""),
            help="physlit's database (default: DATABASE_URL, else the settings' SQLite file)",
        )
    if var_dir:
        parser.add_argument(
            "--var-dir",
            default=os.environ.get("PHYSLIT_VAR_DIR", ""),
            help="physlit's var folder with the index and models (default: PHYSLIT_VAR_DIR)",
        )
    return parser


def django_setup(args: argparse.Namespace | None = None, *, one_thread: bool = False) -> None:
    """Set Django up on the database and var folder given in `args` (when given), offline, and with
    `one_thread` as one gunicorn web worker runs (physlit/gunicorn_conf.py)."""
    database_url = getattr(args, "database_url", "")
    var_dir = getattr(args, "var_dir", "")
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    if var_dir:
        os.environ["PHYSLIT_VAR_DIR"] = str(var_dir)
    if one_thread:
        os.environ.update(OMP_NUM_THREADS="1", PHYSLIT_ENCODER_THREADS="1")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "physlit.settings")
    # DEBUG is off unless asked for, and then physlit needs a key of its own (not the published dev key).
    os.environ.setdefault("DJANGO_SECRET_KEY", "physlit-benchmark-only")
    import django

    django.setup()


def questions_texts(names: Iterable[str] = QUESTION_FILES) -> list[str]:
    """The question texts of the shared evaluation files `names`, in file order."""
    return [
        json.loads(line)["question"]
        for name in names
        for line in (SHARED / "eval" / name).read_text().splitlines()
        if line.strip()
    ]


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now (for a server the script starts)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def table_header(columns: Iterable[str], align: str = "") -> None:
    """Print a markdown table's header; `align` has one letter per column, "l" or "r" (default all "l")."""
    columns = list(columns)
    align = align or "l" * len(columns)
    print("| " + " | ".join(columns) + " |")
    print("|" + "|".join("---:" if a == "r" else "---" for a in align) + "|")


def table_row(*cells: object) -> None:
    """Print one row of a markdown table at once (long runs show rows as they come)."""
    print("| " + " | ".join(str(c) for c in cells) + " |", flush=True)
