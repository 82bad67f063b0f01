"""Turn annotators' labels of reported results (one JSON line per abstract: {"id", "results": [{"quantity",
"value", "unit", "kind", "text"}]}, docs/results-labelling.md) into the tagger's hand-labelled training file,
physlit/results/data/train-labels.jsonl: per paper its arXiv id, a hash of the abstract the offsets refer to
(as physlit stores it), and the labelled character spans — no abstract text.

    PHYSLIT_SHARED_DIR=../shared .venv/bin/python bench/results_labels.py [--append] /tmp/labels-*.jsonl

--append keeps the papers already in the file (a later batch of labels, e.g. `results_sample.py
--train-more`'s); without it the file holds exactly the papers given.
"""

from __future__ import annotations

import json
import sys

from harness import ROOT, django_setup
from results import abstracts_of, gold_spans

OUT = ROOT / "physlit" / "results" / "data" / "train-labels.jsonl"


def main() -> None:
    django_setup()
    from physlit.results.patterns import Found
    from physlit.results.services import abstract_hash, found_spans

    append = "--append" in sys.argv[1:]
    names = [name for name in sys.argv[1:] if name != "--append"]
    rows = [json.loads(line) for name in names for line in open(name) if line.strip()]
    ids = {r["id"] for r in rows}
    kept = (
        [line for line in OUT.read_text().splitlines() if json.loads(line)["id"] not in ids] if append else []
    )
    abstracts = abstracts_of(ids)
    with OUT.open("w") as out:
        for line in kept:
            out.write(line + "\n")
        for row in rows:
            abstract = abstracts[row["id"]]
            found = [
                Found(r["quantity"], r["value"], r["unit"], kind, r["text"], start, end, None, None)
                for r, (kind, start, end, _) in zip(row["results"], gold_spans(abstract, row["results"]))
            ]
            spans = found_spans(abstract, found)
            line = {"id": row["id"], "abstract_sha1": abstract_hash(abstract), "spans": spans}
            out.write(json.dumps(line) + "\n")
    print(f"{len(rows)} papers, {sum(len(r['results']) for r in rows)} results (+{len(kept)} kept) -> {OUT}")


if __name__ == "__main__":
    main()
