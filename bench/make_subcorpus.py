"""A sub-corpus of the 83k snapshot for benchmarks that cannot embed all of it in a session: every gold
paper of the dev and hard questions plus random others (random.Random(SEED)), in snapshot order.

    python bench/make_subcorpus.py --size 10000 --out /tmp/physlit-dev10k.jsonl
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/physlit_dev10k PHYSLIT_VAR_DIR=/tmp/physlit-dev10k \\
        sh -c '.venv/bin/python manage.py migrate && .venv/bin/python manage.py import_snapshot \\
        /tmp/physlit-dev10k.jsonl && .venv/bin/python manage.py build_index'
"""

import gzip
import json
import random
from pathlib import Path

from harness import QUESTION_FILES, SHARED, parser_make

SEED = 0


def main() -> None:
    parser = parser_make(__doc__)
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--data", type=Path, default=SHARED / "data" / "arxiv-physics-83k.jsonl.gz")
    args = parser.parse_args()
    gold = set()
    for name in QUESTION_FILES:
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
