"""Reported results, extracted: the hand-written patterns beside the fine-tuned tagger(s), in one run, on the
hand-labelled sample (physlit/evaluation/data/results-gold.jsonl, 200 abstracts of the shared 83k corpus;
how it was drawn and labelled: docs/results-labelling.md).

    .venv/bin/python bench/results.py --database-url postgres://.../physlit_dev --var-dir /tmp/physlit-dev \
        [--train-minutes 30] [--tagger FOLDER ...]

--train-minutes N first runs `train tagger --max-minutes N` on the database's corpus (weak labels from the
patterns; the gold sample's papers are never trained on). Scored: every tagger version in the registry and
each --tagger folder, served as physlit serves them (onnxruntime, PHYSLIT_TAGGER_BACKEND).

Metrics, per extractor: value precision / recall / F1 (a predicted value counts when its span overlaps a gold
value's span in the same abstract, each gold value once), the same with exact spans, the kind's and the
unit's agreement on matched values; on the dev questions whose answer holds a number, the share whose
number is among the gold paper's extracted values; throughput (papers/s on 2 cores, and the 83k corpus's
time at that rate).
"""

from __future__ import annotations

import gzip
import json
import re
import time
from pathlib import Path

from harness import ROOT, SHARED, django_setup, parser_make, table_header, table_row

GOLD = ROOT / "physlit" / "evaluation" / "data" / "results-gold.jsonl"
# A second annotator's labels of 50 of the gold abstracts, made independently under the same rules: how far
# two careful readers agree is the ceiling any extractor is judged against.
SECOND = ROOT / "physlit" / "evaluation" / "data" / "results-second-annotator.jsonl"
CORPUS = SHARED / "data" / "arxiv-physics-83k.jsonl.gz"
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def abstracts_of(ids: set[str]) -> dict[str, str]:
    """The corpus's abstracts of `ids`, cleaned as physlit stores them."""
    from physlit.harvest.records import clean_text

    found = {}
    with gzip.open(CORPUS, "rt") as lines:
        for line in lines:
            record = json.loads(line)
            if record["id"] in ids:
                found[record["id"]] = clean_text(record["abstract"])
    return found


def gold_spans(abstract: str, results: list[dict]) -> list[tuple[str, int, int, str]]:
    """(kind, start, end, unit) of each gold value, located inside its verbatim text."""
    spans = []
    for r in results:
        at = abstract.find(r["text"])
        start = abstract.find(r["value"], max(at, 0))
        if start < 0:
            raise ValueError(f"gold value {r['value']!r} is not in its abstract")
        spans.append((r["kind"], start, start + len(r["value"]), r["unit"]))
    return spans


def score(predicted: list, gold: list) -> dict:
    """predicted, gold: per abstract, lists of (kind, start, end, unit)."""
    tp = strict = kind_ok = unit_ok = n_pred = n_gold = 0
    for pred, gold_spans in zip(predicted, gold):
        n_pred, n_gold = n_pred + len(pred), n_gold + len(gold_spans)
        unmatched = list(gold_spans)
        for kind, s, e, unit in pred:
            hit = next((g for g in unmatched if s < g[2] and g[1] < e), None)
            if hit is None:
                continue
            unmatched.remove(hit)
            tp += 1
            strict += (s, e) == (hit[1], hit[2])
            kind_ok += kind == hit[0]
            unit_ok += " ".join(unit.split()) == " ".join(hit[3].split())
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    return {
        "precision": p,
        "recall": r,
        "f1": 2 * p * r / (p + r) if p + r else 0.0,
        "strict_precision": strict / n_pred if n_pred else 0.0,
        "strict_recall": strict / n_gold if n_gold else 0.0,
        "kind": kind_ok / tp if tp else 0.0,
        "unit": unit_ok / tp if tp else 0.0,
        "predicted": n_pred,
        "gold": n_gold,
    }


def dev_numeric(find, limit_papers: dict[str, str]) -> tuple[int, float]:
    """(questions, share) of dev questions whose answer holds a number found among the gold paper's values."""
    rows = []
    for name in ("dev-questions.jsonl",):
        for line in (SHARED / "eval" / name).read_text().splitlines():
            q = json.loads(line)
            numbers = _NUMBER.findall(q["answer"])
            if numbers and q["id"] in limit_papers:
                rows.append((q["id"], numbers))
    if not rows:
        return 0, 0.0
    ids = [i for i, _ in rows]
    found = find([limit_papers[i] for i in ids])
    hits = 0
    for (_, numbers), results in zip(rows, found):
        values = " ".join(f.value for f in results)
        hits += any(n in _NUMBER.findall(values) for n in numbers[:1])
    return len(rows), hits / len(rows)


def main() -> None:
    parser = parser_make(__doc__, database=True, var_dir=True)
    parser.add_argument("--train-minutes", type=float, default=0)
    parser.add_argument("--tagger", action="append", default=[], help="a tagger folder to score too")
    parser.add_argument("--speed-papers", type=int, default=600, help="abstracts timed per extractor")
    parser.add_argument(
        "--thresholds",
        type=lambda text: [float(x) for x in text.split(",") if x],
        default=[0.7, 0.9, 0.97],
        help="value probabilities for the current tagger's precision/recall curve (comma-separated)",
    )
    args = parser.parse_args()
    django_setup(args)
    from django.conf import settings

    from physlit.ml.tagger import tagger_load
    from physlit.registry.models import ModelVersion
    from physlit.results.patterns import results_find
    from physlit.results.services import found_from_spans

    if args.train_minutes:
        from django.core.management import call_command

        call_command("train", "tagger", "--max-minutes", str(args.train_minutes))

    labels = [json.loads(line) for line in GOLD.read_text().splitlines() if line.strip()]
    dev_ids = {
        json.loads(line)["id"] for line in (SHARED / "eval" / "dev-questions.jsonl").read_text().splitlines()
    }
    texts = abstracts_of({row["id"] for row in labels} | dev_ids)
    abstracts = [texts[row["id"]] for row in labels]
    gold = [gold_spans(a, row["results"]) for a, row in zip(abstracts, labels)]
    dev_texts = {i: texts[i] for i in dev_ids if i in texts}
    speed_texts = [t for t in texts.values()][: args.speed_papers]

    extractors = [("patterns", lambda batch: [results_find(t) for t in batch])]
    folders = [(v.label, Path(v.path)) for v in ModelVersion.objects.filter(kind="tagger").order_by("pk")]
    folders += [(f"tagger {Path(f).name}", Path(f)) for f in args.tagger]
    for label, folder in folders:
        tagger = tagger_load(
            folder, backend=settings.PHYSLIT_TAGGER_BACKEND, cache_dir=settings.PHYSLIT_MODELS_DIR / "onnx"
        )

        def find(batch, tagger=tagger):
            return [found_from_spans(t, s) for t, s in zip(batch, tagger.spans(batch))]

        extractors.append((f"{label} ({settings.PHYSLIT_TAGGER_BACKEND})", find))
    current = ModelVersion.objects.filter(kind="tagger", status="current").first()
    if (
        current is not None
    ):  # the current tagger's precision/recall curve: value spans it is less sure of dropped
        tagger = tagger_load(
            Path(current.path),
            backend=settings.PHYSLIT_TAGGER_BACKEND,
            cache_dir=settings.PHYSLIT_MODELS_DIR / "onnx",
        )
        for threshold in args.thresholds:

            def find(batch, tagger=tagger, threshold=threshold):
                spans = tagger.spans(batch, min_value_probability=threshold)
                return [found_from_spans(t, s) for t, s in zip(batch, spans)]

            extractors.append((f"{current.label}, value probability >= {threshold}", find))

    print(
        f"\n{len(labels)} hand-labelled abstracts, {sum(len(g) for g in gold)} gold values "
        f"({sum(1 for g in gold if g)} abstracts with any)\n"
    )
    table_header(
        [
            "extractor",
            "value P",
            "value R",
            "F1",
            "exact-span P",
            "exact-span R",
            "kind on matched",
            "unit on matched",
            "dev numeric answers found",
            "papers/s",
            "83k corpus",
        ]
    )
    second = {row["id"]: row["results"] for row in map(json.loads, SECOND.read_text().splitlines())}
    both = [i for i, row in enumerate(labels) if row["id"] in second]
    m = score(
        [[(k, s, e, u) for k, s, e, u in gold_spans(abstracts[i], second[labels[i]["id"]])] for i in both],
        [gold[i] for i in both],
    )
    table_row(
        f"second annotator ({len(both)} of the abstracts; ceiling)",
        *(
            f"{m[k]:.3f}"
            for k in ("precision", "recall", "f1", "strict_precision", "strict_recall", "kind", "unit")
        ),
        "",
        "",
        "",
    )
    for name, find in extractors:
        predicted = [[(f.kind, f.start, f.end, f.unit) for f in results] for results in find(abstracts)]
        m = score(predicted, gold)
        n_dev, share = dev_numeric(find, dev_texts)
        started = time.monotonic()
        find(speed_texts)
        rate = len(speed_texts) / (time.monotonic() - started)
        table_row(
            name,
            f"{m['precision']:.3f}",
            f"{m['recall']:.3f}",
            f"{m['f1']:.3f}",
            f"{m['strict_precision']:.3f}",
            f"{m['strict_recall']:.3f}",
            f"{m['kind']:.3f}",
            f"{m['unit']:.3f}",
            f"{share:.3f} of {n_dev}",
            f"{rate:.0f}",
            f"{83_000 / rate / 60:.1f} min",
        )


if __name__ == "__main__":
    main()
