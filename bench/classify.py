"""Category suggestion on held-out papers: the fine-tuned classifier(s) beside a TF-IDF + logistic-regression
baseline, in one run, on the same split physlit trains on (physlit.training.classifier.held_out: a tenth of
the papers by a hash of the arXiv id, never trained on).

    .venv/bin/python bench/classify.py --database-url postgres://.../physlit_dev --var-dir /tmp/physlit-dev \
        [--train-minutes 40] [--limit 0]

--train-minutes N first runs `train classifier --max-minutes N` (it becomes current if it beats the current
one). Every classifier version in the registry is scored as it serves (onnxruntime, the configured backend),
plus the current one with the fp32 ONNX backend, for int8's cost. A classifier with a lexical model
(TF-IDF + logistic regression fitted by `train classifier`, fused with the transformer) is scored as served
and with its transformer alone; one without is also shown fused with the baseline the same way.
Metrics (physlit.ml.classifier.classification_metrics): archive top-1 accuracy, archive top-3 recall,
category top-1, sub-category macro-F1 over primary categories, cross-list F1 (papers listing more than
quant-ph alone), and throughput (papers/s on this machine, and the time for the 83k corpus at that rate).
"""

from __future__ import annotations

import time
from pathlib import Path

from harness import django_setup, parser_make, table_header, table_row


def tfidf_baseline(train, validation, labels):
    """Probabilities (n, labels) of TF-IDF (1-2 grams, sublinear) + multinomial logistic regression trained
    on every training paper's primary category; seconds to fit; papers/s to predict."""
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    started = time.monotonic()
    vectorizer = TfidfVectorizer(
        ngram_range=(1, 2), min_df=3, max_features=100_000, sublinear_tf=True, dtype=np.float32
    )
    x = vectorizer.fit_transform([t for t, _ in train])
    y = [cats[0] for _, cats in train]
    model = LogisticRegression(C=10.0, max_iter=100)
    model.fit(x, y)
    fit_seconds = time.monotonic() - started
    started = time.monotonic()
    proba = model.predict_proba(vectorizer.transform([t for t, _ in validation]))
    rate = len(validation) / (time.monotonic() - started)
    out = np.zeros((len(validation), len(labels)), dtype=np.float32)
    column = {c: j for j, c in enumerate(labels)}
    for k, c in enumerate(model.classes_):
        if c in column:
            out[:, column[c]] = proba[:, k]
    return out, fit_seconds, rate


def main() -> None:
    parser = parser_make(__doc__, database=True, var_dir=True)
    parser.add_argument("--train-minutes", type=float, default=0, help="train a classifier first (0: no)")
    parser.add_argument(
        "--limit", type=int, default=0, help="score at most this many held-out papers (0: all)"
    )
    args = parser.parse_args()
    django_setup(args)
    from django.conf import settings
    from django.core.management import call_command

    from physlit.corpus.models import Paper
    from physlit.ml.classifier import (
        classification_metrics,
        classifier_load,
        classifier_read,
        fuse_probabilities,
        labels_make,
        prior_shift,
    )
    from physlit.registry.models import ModelVersion
    from physlit.training.classifier import corpus_labelled

    if args.train_minutes:
        call_command("train", "classifier", "--max-minutes", str(args.train_minutes))
    train, validation = corpus_labelled()
    if args.limit:
        validation = validation[: args.limit]
    corpus = Paper.objects.count()
    labels = labels_make([c for _, c in train], settings.PHYSLIT_CLASSIFIER_MIN_COUNT)
    texts, gold = [t for t, _ in validation], [c for _, c in validation]
    print(
        f"{len(train):,} training papers, {len(validation):,} held out; {len(labels)} categories with at "
        f"least {settings.PHYSLIT_CLASSIFIER_MIN_COUNT} papers; corpus {corpus:,}\n"
    )
    columns = [
        "model",
        "archive top-1",
        "archive top-3 recall",
        "category top-1",
        "sub-category macro-F1",
        "cross-list F1",
        "papers/s",
        f"{corpus:,} papers in",
    ]
    table_header(columns, "lrrrrrrr")

    def row(name, probabilities, labels_of, rate, note=""):
        m = classification_metrics(probabilities, labels_of, gold)
        minutes = corpus / rate / 60
        table_row(
            name + note,
            f"{m['archive_top1']:.3f}",
            f"{m['archive_top3_recall']:.3f}",
            f"{m['category_top1']:.3f}",
            f"{m['category_macro_f1']:.3f}",
            f"{m['cross_list_f1']:.3f}",
            f"{rate:.0f}",
            f"{minutes:.1f} min",
        )

    proba, fit_seconds, tfidf_rate = tfidf_baseline(train, validation, labels)
    row("TF-IDF + logistic regression (baseline)", proba, labels, tfidf_rate, f" (fit {fit_seconds:.0f} s)")
    versions = ModelVersion.objects.filter(kind="classifier").exclude(status="failed").order_by("pk")
    backends = [settings.PHYSLIT_CLASSIFIER_BACKEND]
    for version in versions:
        names = backends + (["onnx"] if version.status == "current" and "onnx" not in backends else [])
        for backend in names:
            classifier = classifier_load(
                version.path, backend=backend, cache_dir=settings.PHYSLIT_MODELS_DIR / "onnx"
            )
            classifier.predict(texts[:16])  # warm-up
            started = time.monotonic()
            alone = classifier.transformer_predict(texts)
            probabilities = classifier.fuse(texts, alone)  # = classifier.predict(texts), as served
            rate = len(texts) / (time.monotonic() - started)
            train_info = version.metrics.get("train", {})
            note = (
                f" ({version.status}, {backend}; {train_info.get('examples', 0):,} papers, "
                f"{version.train_seconds / 60:.0f} min on {version.device or '?'})"
            )
            served = "transformer x lexical, as served" if classifier.lexical else "transformer"
            row(f"fine-tuned {version.label}: {served}", probabilities, classifier.labels, rate, note)
            if backend != backends[0] or list(classifier.labels) != list(labels):
                continue
            if classifier.lexical is not None:
                row(f"fine-tuned {version.label}: transformer alone", alone, labels, rate)
            else:
                # A classifier trained before the lexical model: fused here with the baseline the same way
                # (fuse_probabilities, fixed weights, nothing fitted on the held-out papers).
                fused = fuse_probabilities(probabilities, proba)
                rate_both = 1 / (1 / rate + 1 / tfidf_rate)
                row(
                    f"fine-tuned {version.label} x the baseline (product of experts)",
                    fused,
                    labels,
                    rate_both,
                )
            _, _, meta = classifier_read(Path(version.path))
            if backend == backends[0] and not meta.get("prior_shift"):
                # Trained before the logit adjustment: the same model with it, for comparison.
                shift = prior_shift([c[0] for _, c in train], _sample_primaries(train), classifier.labels)
                classifier.bias = classifier.bias + shift
                shifted = classifier.predict(texts)
                row(f"fine-tuned {version.label} + corpus prior shift", shifted, classifier.labels, rate)


def _sample_primaries(train) -> list[str]:
    """The primary categories of the capped sample `train classifier` draws (its default cap and seed)."""
    from django.conf import settings

    from physlit.ml.classifier import ClassifierConfig, training_sample

    config = ClassifierConfig(per_primary_cap=settings.PHYSLIT_CLASSIFIER_PER_PRIMARY)
    return [cats[0] for _, cats in training_sample(train, config)]


if __name__ == "__main__":
    main()
