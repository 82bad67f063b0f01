"""A cross-encoder re-ranker fine-tuned on the corpus (issue 17, item 2), as a measured experiment.

    .venv/bin/python bench/rerank.py --database-url postgres://postgres@127.0.0.1:5432/physlit_dev \
        --var-dir /tmp/physlit-dev --minutes 25

Training data, from the corpus alone: papers drawn at random (seed 0) among those that are no dev question's
gold paper; for each, a pseudo-question from one abstract sentence (physlit.qa.pseudo.question_make: a fact
of the sentence asked about, 20-70 % of its words dropped, the topic named from the title or first
sentence); its paper is the positive and physlit's hybrid search's top candidates for that question, less
the paper, the hard negatives (--negatives).
Model: the packaged MiniLM's BERT with a linear head on [CLS], fine-tuned whole; input "question [SEP]
title. abstract" cut to --max-len tokens; loss: softmax cross-entropy of the positive among its negatives.
Then the top --depth of hybrid search for each dev question (natural, reworded, Chinese through the glossary)
are re-ranked by the cross-encoder's score alone, and by the fused score plus --alpha times the
cross-encoder's
(both standardised over the candidates); Recall@1/10 and MRR@10 with hybrid search (today) beside them,
and the scoring time per question on this machine (torch fp32, --threads).
"""

from __future__ import annotations

import random
import time
from pathlib import Path

import numpy as np
from harness import django_setup, parser_make, table_header, table_row

FILES = ("dev-questions.jsonl", "dev-questions-hard.jsonl", "dev-questions-zh.jsonl")


def main() -> None:
    parser = parser_make(__doc__, database=True, var_dir=True)
    parser.add_argument("--minutes", type=float, default=25.0, help="training budget")
    parser.add_argument("--negatives", type=int, default=7)
    parser.add_argument("--max-len", type=int, default=192)
    parser.add_argument("--depth", type=int, default=20, help="hybrid candidates re-ranked per question")
    parser.add_argument("--alpha", type=float, nargs="*", default=[0.5, 1.0, 2.0])
    parser.add_argument("--lr", type=float, default=3e-5)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    django_setup(args)
    import torch
    from django.conf import settings
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from physlit.corpus.models import Paper
    from physlit.evaluation.questions import questions_read
    from physlit.evaluation.search import ranking_metrics
    from physlit.ml.encoder import packaged_model_path
    from physlit.qa.pseudo import question_make
    from physlit.search.service import papers_search, query_english
    from physlit.text import sentence_spans

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    rng = random.Random(0)
    dev = {name: questions_read(Path(settings.SHARED_DIR) / "eval" / name) for name in FILES}
    gold_ids = {q.arxiv_id for qs in dev.values() for q in qs}
    rows = list(Paper.objects.values_list("pk", "arxiv_id", "title", "abstract"))
    texts = {pk: (title, " ".join(abstract.split())) for pk, _, title, abstract in rows}
    pool = [pk for pk, arxiv_id, _, _ in rows if arxiv_id not in gold_ids]
    rng.shuffle(pool)

    path = packaged_model_path()
    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModelForSequenceClassification.from_pretrained(path, num_labels=1)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)

    def batch(question: str, pks: list[int]):
        docs = [f"{texts[pk][0]}. {texts[pk][1]}" for pk in pks]
        return tokenizer(
            [question] * len(pks),
            docs,
            truncation="only_second",
            max_length=args.max_len,
            padding=True,
            return_tensors="pt",
        )

    # --- training, until the budget is spent ---------------------------------------------------------
    model.train()
    started, steps, losses, made = time.monotonic(), 0, [], 0
    for pk in pool:
        if time.monotonic() - started > args.minutes * 60:
            break
        title, abstract = texts[pk]
        spans = sentence_spans(abstract)
        if len(spans) < 2:
            continue
        start, end = spans[rng.randrange(1, len(spans))]
        first = abstract[spans[0][0] : spans[0][1]]
        made_q = question_make(abstract[start:end], title, rng, topic=first)
        if made_q is None:
            continue
        question = made_q[0]
        made += 1
        hits = [h.paper_id for h in papers_search(query=question, k=args.negatives + 1) if h.paper_id != pk]
        group = [pk] + hits[: args.negatives]
        if len(group) < 2:
            continue
        logits = model(**batch(question, group)).logits.squeeze(-1)
        loss = torch.nn.functional.cross_entropy(logits[None, :], torch.zeros(1, dtype=torch.long))
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        steps += 1
        losses.append(loss.item())
        if steps % 50 == 0:
            print(
                f"step {steps}: loss {np.mean(losses[-50:]):.3f} ({time.monotonic() - started:.0f} s)",
                flush=True,
            )
    print(f"\ntrained {steps} questions in {time.monotonic() - started:.0f} s\n")

    # --- re-ranking the dev questions ----------------------------------------------------------------
    model.eval()
    pks = dict(Paper.objects.values_list("arxiv_id", "pk"))
    for name, questions in dev.items():
        ranks: dict[str, list] = {}
        seconds = []
        for q in questions:
            target = pks.get(q.arxiv_id or "")
            if target is None:
                continue
            query = query_english(q.question)
            hits = papers_search(query=query, k=args.depth)
            ids = [h.paper_id for h in hits]
            fused = np.array([h.score for h in hits], dtype=np.float64)
            t0 = time.perf_counter()
            with torch.inference_mode():
                cross = model(**batch(query, ids)).logits.squeeze(-1).double().numpy()
            seconds.append(time.perf_counter() - t0)

            def z(v: np.ndarray) -> np.ndarray:
                return (v - v.mean()) / (v.std() + 1e-9)

            orders = {"hybrid (today)": np.arange(len(ids)), "cross-encoder alone": np.argsort(-cross)}
            for alpha in args.alpha:
                orders[f"hybrid + {alpha} x cross-encoder"] = np.argsort(-(z(fused) + alpha * z(cross)))
            for label, order in orders.items():
                ranked = [ids[i] for i in order][:10]
                ranks.setdefault(label, []).append(ranked.index(target) + 1 if target in ranked else None)
        print(
            f"{name} ({len(seconds)} questions), re-ranking the top {args.depth}: "
            f"{np.median(seconds) * 1000:.0f} ms a question (median, {args.threads} threads, torch fp32)\n"
        )
        table_header(["ranking", "Recall@1", "Recall@10", "MRR@10"])
        for label, r in ranks.items():
            m = ranking_metrics(r)
            table_row(label, f"{m['R@1']:.3f}", f"{m['R@10']:.3f}", f"{m['MRR@10']:.3f}")
        print()


if __name__ == "__main__":
    main()
