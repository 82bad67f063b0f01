"""The distilled query encoder (`train query-encoder`) against the full encoder it was distilled from, on
the current index, in one run: milliseconds to embed one question (one thread, ONNX int8 for both, as a
web worker does), cosine of its query embeddings to the full encoder's, and Recall@1/10 / MRR@10 of dense
and hybrid search with each on the dev and hard questions.

    flock /tmp/physlit-bench.lock .venv/bin/python bench/query_encoder.py \
        --database-url postgres://postgres@127.0.0.1:5432/physlit_dev --var-dir /tmp/physlit-dev

--student PATH: a query-encoder artifact (default: the current query-encoder version, else the newest one).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--var-dir", default=os.environ.get("PHYSLIT_VAR_DIR", ""))
    parser.add_argument("--student", help="a query-encoder artifact folder")
    parser.add_argument("--rounds", type=int, default=5, help="timing rounds (median per question)")
    args = parser.parse_args()
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    if args.var_dir:
        os.environ["PHYSLIT_VAR_DIR"] = args.var_dir
    os.environ.update(OMP_NUM_THREADS="1", PHYSLIT_ENCODER_THREADS="1", HF_HUB_OFFLINE="1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "physlit.settings")
    import django

    django.setup()
    import numpy as np
    from django.conf import settings

    from physlit.evaluation.questions import questions_read
    from physlit.evaluation.search import search_evaluate
    from physlit.registry.models import ModelVersion
    from physlit.registry.services import version_current
    from physlit.search import service
    from physlit.search.encoding import encoder_for_index

    version = version_current("query-encoder") or ModelVersion.objects.filter(kind="query-encoder").first()
    student_path = args.student or (version.path if version else None)
    if not student_path:
        sys.exit("no query encoder: run `manage.py train query-encoder` first")
    service.RELOAD_CHECK_SECONDS = float("inf")  # the bench chooses the query encoder below
    loaded = service._loaded()
    row = loaded.row
    encoders = {"full encoder": encoder_for_index(row), "distilled": encoder_for_index(row, student_path)}
    files = ("dev-questions.jsonl", "dev-questions-hard.jsonl")
    questions = {name: questions_read(Path(settings.SHARED_DIR) / "eval" / name) for name in files}
    texts = [q.question for qs in questions.values() for q in qs]
    embedded = {label: e.encode(texts) for label, e in encoders.items()}
    times: dict[str, list[float]] = {label: [] for label in encoders}
    for text in texts:  # interleaved, so both see the same machine state
        for label, encoder in encoders.items():
            runs = []
            for _ in range(args.rounds):
                start = time.perf_counter()
                encoder.encode([text])
                runs.append(1000 * (time.perf_counter() - start))
            times[label].append(statistics.median(runs))
    full_ms = statistics.mean(times["full encoder"])
    cosine = np.sum(embedded["distilled"] * embedded["full encoder"], axis=1)

    print(f"\nindex {row.pk}: {row.count:,} papers, {row.dense_kind}; distilled: {student_path}")
    layers = version.metrics.get("layers_kept") if version and version.path == student_path else None
    print(
        f"{len(texts)} questions, one thread, {encoders['distilled'].backend} for both; "
        f"layers kept: {layers}\n"
    )
    print("| query encoder | ms per question (mean of medians) | speed-up | cosine to full (mean / min) |")
    print("|---|---|---|---|")
    for label in encoders:
        ms = statistics.mean(times[label])
        cos = "1 / 1" if label == "full encoder" else f"{cosine.mean():.4f} / {cosine.min():.4f}"
        print(f"| {label} | {ms:.2f} | {full_ms / ms:.2f}x | {cos} |")

    print("\n| questions | mode | query encoder | Recall@1 | Recall@10 | MRR@10 |")
    print("|---|---|---|---|---|---|")
    for name, qs in questions.items():
        m = search_evaluate(qs, modes=("keyword",))["keyword"]  # BM25 alone: what hybrid must beat
        print(f"| {name} | keyword | - | {m['R@1']:.3f} | {m['R@10']:.3f} | {m['MRR@10']:.3f} |")
        for mode in ("dense", "hybrid"):
            for label, reference in (("full encoder", row.encoder), ("distilled", student_path)):
                loaded.query_encoder = reference
                m = search_evaluate(qs, modes=(mode,))[mode]
                print(f"| {name} | {mode} | {label} | {m['R@1']:.3f} | {m['R@10']:.3f} | {m['MRR@10']:.3f} |")


if __name__ == "__main__":
    main()
