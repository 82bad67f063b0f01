"""A sub-corpus of the 83k snapshot for benchmarks that cannot embed all of it in a session: every gold
paper of the dev and hard questions plus random others (random.Random(SEED)), in snapshot order.

    python bench/make_subcorpus.py --size 10000 --out /tmp/physlit-dev10k.jsonl
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/physlit_dev10k PHYSLIT_VAR_DIR=/tmp/physlit-dev10k \\
        sh -c '.venv/bin/python manage.py migrate && .venv/bin/python manage.py import_snapshot \\
        /tmp/physlit-dev10k.jsonl && .venv/bin/python manage.py build_index'
"""

import argparse
import gzip
import json
import os
import random
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("PHYSLIT_SHARED_DIR", ROOT.parent / "shared"))
SEED = 0


def main() -> None:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--data", type=Path, default=SHARED / "data" / "arxiv-physics-83k.jsonl.gz")
    args = parser.parse_args()
    gold = set()
    for name in ("dev-questions.jsonl", "dev-questions-hard.jsonl"):
        with open(SHARED / "eval" / name) as f:
            gold |= {json.loads(line)["id"] for line in f}
    with gzip.open(args.data, "rt") as f:
        lines = f.readlines()
    keep = [line for line in lines if json.loads(line)["id"] in gold]
    others = [line for line in lines if json.loads(line)["id"] not in gold]
    keep += random.Random(SEED).sample(others, args.size - len(keep))
    args.out.write_text("".join(keep))
    print(f"{args.out}: {len(keep)} papers ({len(gold)} gold)")


if __name__ == "__main__":
    main()
