"""The bold short answer, isolated from retrieval: each dev question is read against its gold paper's
abstract alone, and the short answer each reader picks is scored (SQuAD exact match and token F1 against the
gold answer and its aliases, physlit.text.scoring), in one run:

    .venv/bin/python bench/answer_spans.py --database-url postgres://.../physlit_dev \
        --var-dir /tmp/physlit-dev [--train-minutes 30] [--reader FOLDER ...]

--train-minutes N first runs `train reader --max-minutes N` on the database's corpus. Scored: every reader
version in the registry and each --reader folder, each twice where it has an answer-span model — picking the
short answer with the transformer span model (as it serves) and with the span MLP — in two settings: in the
sentence the reader scores best (what the chat does once the paper is found), and in the abstract sentence
that holds the gold answer (span picking alone); "gold sentence scored best" is the share of questions whose
best-scored sentence holds the gold answer (sentence picking alone); --picks prints each question's gold
answer, the short answer picked in the gold sentence and, for the transformer, its span score (best span less
"no answer"). The questions: the dev and reworded dev files (../shared/eval), those whose gold paper is in
the database.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from harness import QUESTION_FILES, SHARED, django_setup, parser_make, table_header, table_row


def questions_with_papers():
    """[(question dict, Paper)] of the dev files whose paper is in the database."""
    from physlit.corpus.models import Paper

    rows = [
        json.loads(line)
        for name in QUESTION_FILES
        for line in (SHARED / "eval" / name).read_text().splitlines()
        if line.strip()
    ]
    papers = {p.arxiv_id: p for p in Paper.objects.filter(arxiv_id__in=[r["id"] for r in rows])}
    return [(r, papers[r["id"]]) for r in rows if r["id"] in papers and r.get("answer")]


def holding(texts: list[str], golds: list[str]) -> list[int]:
    """Indexes of the sentences that hold the gold answer or one of its aliases."""
    from physlit.text import normalize

    lowered = [normalize(t).lower() for t in texts]
    return [i for i, t in enumerate(lowered) if any(g and normalize(g).lower() in t for g in golds)]


def golds_and_sentences(q: dict, paper) -> tuple[list[str], list[str]]:
    """The gold answer with its aliases, and the sentences of the gold paper's abstract."""
    from physlit.text import sentences

    abstract = " ".join(paper.abstract.split())
    return [q["answer"], *q.get("answer_aliases", [])], sentences(abstract) or [abstract]


def candidate_reach(items) -> dict:
    """The best the reader's candidate spans (ml.reader.span_candidates) can do in the gold sentence: the
    highest exact match and token F1 among them, averaged over the questions, whatever reader picks."""
    from physlit.ml.reader import span_candidates
    from physlit.text.scoring import exact_match, token_f1

    em, f1 = [], []
    for q, paper in items:
        golds, texts = golds_and_sentences(q, paper)
        found = holding(texts, golds)
        if not found:
            continue
        text = texts[found[0]]
        spans = [text[s:e] for _, s, e in span_candidates(text)]
        em.append(max((exact_match(x, golds) for x in spans), default=0.0))
        f1.append(max((token_f1(x, golds) for x in spans), default=0.0))
    n = max(len(em), 1)
    return {"em": sum(em) / n, "f1": sum(f1) / n, "n": len(em)}


def score(reader, items, encode, picks: list | None = None) -> dict:
    """Short-answer EM / F1 in the best-scored sentence and in the gold sentence (where one holds the
    answer), and seconds per question. `picks`, when given, collects (gold answer, short answer in the gold
    sentence, its span score or None) per question."""
    from physlit.ml.reader import Candidate
    from physlit.text.scoring import exact_match, token_f1

    best_em, best_f1, gold_em, gold_f1, gold_first = [], [], [], [], []
    started = time.perf_counter()
    for q, paper in items:
        golds, texts = golds_and_sentences(q, paper)
        title = " ".join(paper.title.split())
        candidates = [Candidate(t, title, i, len(texts)) for i, t in enumerate(texts)]
        readings = reader.read(q["question"], candidates, encode)
        best = max(range(len(readings)), key=lambda i: readings[i].probability)
        span = readings[best].span
        short = texts[best][span[0] : span[1]] if span else ""
        best_em.append(exact_match(short, golds))
        best_f1.append(token_f1(short, golds))
        found = holding(texts, golds)
        if found:
            gold_first.append(best in found)
            i = found[0]
            span = readings[i].span
            short = texts[i][span[0] : span[1]] if span else ""
            gold_em.append(exact_match(short, golds))
            gold_f1.append(token_f1(short, golds))
            if picks is not None:
                picks.append((q["answer"], short, readings[i].span_score))
    n = max(len(items), 1)

    def mean(xs):
        return sum(xs) / len(xs) if xs else 0.0

    return {
        "best_em": mean(best_em),
        "best_f1": mean(best_f1),
        "gold_em": mean(gold_em),
        "gold_f1": mean(gold_f1),
        "gold_n": len(gold_f1),
        "gold_first": mean(gold_first),
        "seconds": (time.perf_counter() - started) / n,
    }


def main() -> None:
    parser = parser_make(__doc__, database=True, var_dir=True)
    parser.add_argument("--train-minutes", type=float, default=0, help="train a reader first (0: no)")
    parser.add_argument("--reader", action="append", default=[], help="a reader folder to score too")
    parser.add_argument(
        "--picks", action="store_true", help="print each question's short answer in its gold sentence"
    )
    args = parser.parse_args()
    django_setup(args)
    from django.conf import settings

    from physlit.ml.reader import SPAN_FEATURES, ReaderFormatError, reader_load
    from physlit.qa.services import reader_encoder
    from physlit.registry.models import ModelVersion

    if args.train_minutes:
        from physlit.training.services import model_train

        model_train(kind="reader", max_minutes=args.train_minutes)
    items = questions_with_papers()
    encode = reader_encoder().encode
    folders = [(v.label + (" (current)" if v.status == "current" else ""), v.path) for v in
               ModelVersion.objects.filter(kind="reader").order_by("pk")]  # fmt: skip
    folders += [(Path(f).name, f) for f in args.reader]
    print(f"\n{len(items)} dev questions (dev + reworded) whose gold paper is in the database")
    reach = candidate_reach(items)
    print(
        f"the best candidate span in the gold sentence (any reader's ceiling): EM {reach['em']:.3f}, "
        f"F1 {reach['f1']:.3f} (of {reach['n']})\n"
    )
    table_header(
        [
            "reader",
            "short answer picked by",
            "EM, best sentence",
            "F1, best sentence",
            "gold sentence scored best",
            "EM, gold sentence",
            "F1, gold sentence",
            "ms per question",
        ]
    )
    for label, folder in folders:
        try:
            reader = reader_load(
                str(folder),
                span_backend=settings.PHYSLIT_READER_BACKEND,
                cache_dir=str(settings.PHYSLIT_MODELS_DIR / "onnx"),
            )
        except ReaderFormatError as exc:
            print(f"    {label}: not scored, {exc}")
            continue
        span_model = reader.span_model
        variants = [(f"span MLP ({SPAN_FEATURES} features)", None)]
        if span_model is not None:
            variants.insert(0, (f"answer-span transformer ({settings.PHYSLIT_READER_BACKEND})", span_model))
        for name, model in variants:
            reader.span_model = model
            picks: list = []
            m = score(reader, items, encode, picks)
            table_row(
                label,
                name,
                f"{m['best_em']:.3f}",
                f"{m['best_f1']:.3f}",
                f"{m['gold_first']:.2f}",
                f"{m['gold_em']:.3f}",
                f"{m['gold_f1']:.3f} (of {m['gold_n']})",
                f"{1000 * m['seconds']:.0f}",
            )
            if args.picks:
                for gold, short, span_score in picks:
                    shown = "" if span_score is None else f"  (span score {span_score:.1f})"
                    print(f"    gold {gold!r} -> {short!r}{shown}")
        reader.span_model = span_model


if __name__ == "__main__":
    main()
