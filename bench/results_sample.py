"""The abstracts hand-labelled for the results-extraction benchmark
(physlit/evaluation/data/results-gold.jsonl): a seeded draw from the shared 83k corpus, 160 among the
abstracts that contain a digit (where results are) and 40 among all (so that abstracts without results test
precision too).

    PHYSLIT_SHARED_DIR=../shared python bench/results_sample.py > /tmp/results-sample.jsonl
    PHYSLIT_SHARED_DIR=../shared python bench/results_sample.py --train > /tmp/results-train-sample.jsonl
    PHYSLIT_SHARED_DIR=../shared python bench/results_sample.py --train-more > /tmp/results-train-more.jsonl

--train draws the tagger's hand-labelled training abstracts instead (physlit/results/data/train-labels.jsonl):
400 more from the 83k corpus in the same proportions with another seed, then 200 from the 3k demo (a subset of
the 83k), so that `make run`'s short training has labelled papers too; none of them in the gold sample.
--train-more draws the second batch of training abstracts: 800 more from the 83k in the same proportions
(seed 2029), none of them in the gold sample or the first training batch.

Each line: {"id", "categories", "abstract"}, the abstract cleaned as physlit stores it (clean_text)."""

from __future__ import annotations

import gzip
import json
import os
import random
import re
import sys
from pathlib import Path

SEED, TRAIN_SEED, DEMO_SEED, MORE_SEED = 2026, 2027, 2028, 2029
WITH_DIGIT, ANY = 160, 40


def sample(corpus: Path, *, seed: int = SEED, scale: int = 1, exclude: frozenset = frozenset()) -> list[dict]:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from physlit.harvest.records import clean_text  # plain function: no Django setup needed

    rows = []
    with gzip.open(corpus, "rt") if corpus.suffix == ".gz" else corpus.open() as lines:
        for line in lines:
            record = json.loads(line)
            rows.append(
                {
                    "id": record["id"],
                    "categories": record["categories"],
                    "abstract": clean_text(record["abstract"]),
                }
            )
    rows = [r for r in rows if r["id"] not in exclude]
    rng = random.Random(seed)
    digit = [r for r in rows if re.search(r"\d", r["abstract"])]
    chosen = rng.sample(digit, WITH_DIGIT * scale)
    ids = {r["id"] for r in chosen}
    chosen += rng.sample([r for r in rows if r["id"] not in ids], ANY * scale)
    return chosen


if __name__ == "__main__":
    data = Path(os.environ.get("PHYSLIT_SHARED_DIR", "../shared")) / "data"
    corpus = data / "arxiv-physics-83k.jsonl.gz"
    rows = sample(corpus)
    if {"--train", "--train-more"} & set(sys.argv[1:]):
        gold = frozenset(r["id"] for r in rows)
        rows = sample(corpus, seed=TRAIN_SEED, scale=2, exclude=gold)
        taken = gold | {r["id"] for r in rows}
        rows += sample(data / "arxiv-physics-3k.jsonl", seed=DEMO_SEED, exclude=taken)
        if "--train-more" in sys.argv[1:]:
            rows = sample(corpus, seed=MORE_SEED, scale=4, exclude=taken | {r["id"] for r in rows})
    for row in rows:
        print(json.dumps(row, ensure_ascii=False))
