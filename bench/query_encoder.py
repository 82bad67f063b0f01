"""The distilled query encoder (`train query-encoder`) against the full encoder it was distilled from, on
the current index, in one run: milliseconds to embed one question (one thread, ONNX int8 for both, as a
web worker does), cosine of its query embeddings to the full encoder's, and Recall@1/10 / MRR@10 of dense
and hybrid search with each on the dev and hard questions.

    flock /tmp/physlit-bench.lock .venv/bin/python bench/query_encoder.py \
        --database-url postgres://postgres@127.0.0.1:5432/physlit_dev --var-dir /tmp/physlit-dev

--student PATH: a query-encoder artifact (default: the current query-encoder version, else the newest one).
"""

from __future__ import annotations

import statistics
import sys
import time

from harness import QUESTION_FILES, SHARED, django_setup, parser_make, table_header, table_row


def main() -> None:
    parser = parser_make(__doc__, database=True, var_dir=True)
    parser.add_argument("--student", help="a query-encoder artifact folder")
    parser.add_argument("--rounds", type=int, default=5, help="timing rounds (median per question)")
    args = parser.parse_args()
    django_setup(args, one_thread=True)
    import numpy as np

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
    loaded = service.index_loaded()
    row = loaded.row
    encoders = {"full encoder": encoder_for_index(row), "distilled": encoder_for_index(row, student_path)}
    questions = {name: questions_read(SHARED / "eval" / name) for name in QUESTION_FILES}
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
    table_header(
        ["query encoder", "ms per question (mean of medians)", "speed-up", "cosine to full (mean / min)"]
    )
    for label in encoders:
        ms = statistics.mean(times[label])
        cos = "1 / 1" if label == "full encoder" else f"{cosine.mean():.4f} / {cosine.min():.4f}"
        table_row(label, f"{ms:.2f}", f"{full_ms / ms:.2f}x", cos)

    print()
    table_header(["questions", "mode", "query encoder", "Recall@1", "Recall@10", "MRR@10"])
    for name, qs in questions.items():
        m = search_evaluate(qs, modes=("keyword",))["keyword"]  # BM25 alone: what hybrid must beat
        table_row(name, "keyword", "-", *(f"{m[key]:.3f}" for key in ("R@1", "R@10", "MRR@10")))
        for mode in ("dense", "hybrid"):
            for label, reference in (("full encoder", row.encoder), ("distilled", student_path)):
                loaded.query_encoder = reference  # holds until another query encoder is promoted
                m = search_evaluate(qs, modes=(mode,))[mode]
                table_row(name, mode, label, *(f"{m[key]:.3f}" for key in ("R@1", "R@10", "MRR@10")))


if __name__ == "__main__":
    main()
