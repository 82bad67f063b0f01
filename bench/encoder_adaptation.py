"""Encoder adaptation on CPU: does contrastive fine-tuning on the corpus (physlit.ml.encoder_training, the
code behind `manage.py train encoder`) beat the packaged MiniLM on the dev questions, and how does the
training budget matter? One run trains once, saving the model when training time passes each budget,
then scores the base model and each checkpoint in the same process:

    OMP_NUM_THREADS=2 .venv/bin/python bench/encoder_adaptation.py --budgets 5,10,20 --distractors 6000

Retrieval corpus: every gold paper of dev-questions(-hard).jsonl plus a fixed sample of distractors from
the 83k snapshot (sha1 order of the arXiv id), the same for every encoder (--distractors 100000: the whole
83k). Dense = each model run by --backend (auto: torch-bf16 on CPUs with native bf16, else onnx-int8) with
exact inner product; hybrid = physlit's BM25 (KeywordIndex) and
fusion (physlit.search.service.fuse, z-score) over the same sub-corpus, top 100 of each side. Training
pairs come from the whole 83k snapshot minus the held-out slice and minus the gold papers of the questions.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import sys
import tempfile
import time
from pathlib import Path

from harness import QUESTION_FILES, SHARED, django_setup, parser_make, table_header, table_row


def index_embeddings(arxiv_ids: list[str], fingerprint: str):
    """The current search index's stored vectors of these papers, in this order (the index must have been
    built by the encoder with this weights fingerprint and hold every one of them)."""
    from physlit.corpus.models import Paper
    from physlit.ml import vectors
    from physlit.search.build import index_current

    row = index_current()
    if row is None or row.encoder_fingerprint != fingerprint:
        sys.exit("--base-from-index: the current index was not built by the base model (or there is none)")
    pks = dict(Paper.objects.filter(arxiv_id__in=arxiv_ids).values_list("arxiv_id", "pk"))
    missing = [a for a in arxiv_ids if a not in pks]
    if missing:
        sys.exit(f"--base-from-index: {len(missing)} papers are not in the database, e.g. {missing[:3]}")
    import numpy as np

    index = vectors.index_load(Path(row.path) / "dense.faiss")
    return vectors.index_vectors(index, np.asarray([pks[a] for a in arxiv_ids], dtype=np.int64))


def paired_changes(base: list[int | None], other: list[int | None]) -> tuple[int, int]:
    """(questions whose gold paper `other` ranks higher than `base`, and lower); not in the top 10 = 11."""
    pairs = [(b or 11, o or 11) for b, o in zip(base, other)]
    return sum(o < b for b, o in pairs), sum(o > b for b, o in pairs)


def main() -> None:
    parser = parser_make(__doc__)
    parser.add_argument("--budgets", default="5,10,20", help="training minutes at which to score the model")
    parser.add_argument("--distractors", type=int, default=6000)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--sentence-queries", type=float, default=0.5)
    parser.add_argument("--epochs", type=int, default=1, help="passes over the pairs at most")
    parser.add_argument(
        "--word-gap", type=float, default=0.0, help="share of pairs whose document loses the query's words"
    )
    parser.add_argument("--validation-pairs", type=int, default=300)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--backend", default="auto", help="how corpus and questions are embedded for scoring (auto: fastest)"
    )
    parser.add_argument(
        "--base-from-index",
        action="store_true",
        help="score the base model with the paper vectors of the current search index (DATABASE_URL and "
        "PHYSLIT_VAR_DIR; it must hold the 83k snapshot, built by the packaged MiniLM) instead of embedding "
        "the corpus again",
    )
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    args = parser.parse_args()
    django_setup()
    import numpy as np
    import torch

    from physlit.evaluation.search import ranking_metrics
    from physlit.ml import encoder_training as et
    from physlit.ml.encoder import get_encoder, packaged_model_path, paper_text
    from physlit.ml.training import seed_everything
    from physlit.search.keyword import KeywordIndex
    from physlit.search.service import Ranked, fuse

    torch.set_num_threads(args.threads)
    qfiles = {n: SHARED / "eval" / n for n in QUESTION_FILES}
    questions = {n: [json.loads(x) for x in p.open() if x.strip()] for n, p in qfiles.items()}
    gold = {q["id"] for qs in questions.values() for q in qs}
    with gzip.open(SHARED / "data" / "arxiv-physics-83k.jsonl.gz", "rt", encoding="utf-8") as f:
        papers = [(p["id"], p["title"], p["abstract"]) for p in map(json.loads, f)]
    key = {pid: hashlib.sha1(pid.encode()).hexdigest() for pid, _, _ in papers}
    distractors = sorted((p for p in papers if p[0] not in gold), key=lambda p: key[p[0]])[: args.distractors]
    sub = [p for p in papers if p[0] in gold] + distractors
    sub_ids = [p[0] for p in sub]
    texts = [paper_text(t, a) for _, t, a in sub]
    train = [(t, a) for pid, t, a in papers if not et.held_out(pid) and pid not in gold]
    val = [(t, a) for pid, t, a in papers if et.held_out(pid)]
    val_pairs = et.paper_pairs(val, sentence_queries=0.0)[: args.validation_pairs]
    print(
        f"corpus {len(papers):,} papers: training pool {len(train):,}, held out {len(val):,}; "
        f"retrieval sub-corpus {len(sub):,} ({len(sub) - len(distractors)} gold + {len(distractors):,})"
    )

    work = Path(tempfile.mkdtemp(prefix="encoder-adaptation-"))
    base = packaged_model_path()
    device = torch.device("cpu")
    seed_everything(0)
    config = et.ContrastiveConfig(
        batch_size=args.batch_size,
        sentence_queries=args.sentence_queries,
        word_gap=args.word_gap,
        epochs=args.epochs,
    )
    pairs = et.paper_pairs(
        train, sentence_queries=config.sentence_queries, word_gap=config.word_gap, seed=config.seed
    )
    model, tokenizer = et.model_load(base, device)
    budgets = [float(b) for b in args.budgets.split(",")]
    models: list[tuple[str, Path, dict]] = [("base MiniLM", base, {"minutes": 0, "steps": 0, "examples": 0})]

    def checkpoint(stats: et.TrainStats) -> None:
        minutes = budgets[len(models) - 1]
        folder = work / f"{minutes:g}min"
        folder.mkdir()
        et.model_save(model, tokenizer, base, folder)
        models.append(
            (
                f"adapted, {minutes:g} min",
                folder,
                {"minutes": minutes, "steps": stats.steps, "examples": stats.examples},
            )
        )
        print(f"checkpoint {minutes:g} min: {stats.steps} steps, {stats.examples} pairs", flush=True)

    stats = et.contrastive_train(
        model,
        tokenizer,
        pairs,
        device=device,
        config=config,
        deadline=time.monotonic() + budgets[-1] * 60 + 5,
        checkpoints=[b * 60 for b in budgets],
        on_checkpoint=checkpoint,
        log=lambda s: print(s, flush=True),
    )
    rate = stats.examples / max(stats.seconds, 1e-9)
    if len(models) <= len(budgets):  # the passes ended before the last budget: score the model as it ended
        budgets[len(models) - 1] = round(stats.seconds / 60, 1)
        checkpoint(stats)
    model = None  # free it before scoring

    keyword = KeywordIndex.build(texts)
    results: dict = {}
    per_question: dict = {}  # file -> "encoder|mode" -> rank of the gold paper per question (None: not in 10)
    for label, folder, info in models:
        m, tok = et.model_load(folder, device)
        info["validation"] = et.retrieval_metrics(m, tok, val_pairs, device=device)
        del m
        t0 = time.monotonic()
        enc = get_encoder(folder, backend=args.backend, cache_dir=work / "onnx", threads=args.threads)
        if folder == base and args.base_from_index:
            emb = index_embeddings(sub_ids, enc.fingerprint)
        else:
            emb = enc.encode(texts, batch_size=64)
        info["embed_seconds"] = time.monotonic() - t0
        for fname, qs in questions.items():
            qv = enc.encode([q["question"] for q in qs])
            scores = qv @ emb.T
            ranks = {"dense": [], "hybrid": []}
            for i, q in enumerate(qs):
                top = np.argsort(-scores[i])[:100]
                dense = Ranked(top.astype(np.int64), scores[i, top])
                pos, kws = keyword.search(q["question"], 100)
                kw = Ranked(pos, kws)
                for mode, hits in (("dense", dense.hits(10, "dense")), ("hybrid", fuse(dense, kw, 10))):
                    got = [sub_ids[h.paper_id] for h in hits]
                    ranks[mode].append(got.index(q["id"]) + 1 if q["id"] in got else None)
                if label == models[0][0]:
                    got = [sub_ids[h.paper_id] for h in kw.hits(10, "keyword")]
                    ranks.setdefault("keyword", []).append(got.index(q["id"]) + 1 if q["id"] in got else None)
            for mode, r in ranks.items():
                results.setdefault(fname, {})[(label, mode)] = ranking_metrics(r)
                per_question.setdefault(fname, {})[f"{label}|{mode}"] = r
        print(
            f"scored {label}: validation {info['validation']}, embedding {info['embed_seconds']:.0f}s",
            flush=True,
        )

    print(
        f"\ntraining: CPU, {args.threads} threads, batch {config.batch_size}, word gap {config.word_gap}, "
        f"{stats.steps} steps, "
        f"{stats.examples:,} pairs in {stats.seconds / 60:.1f} min ({rate:.1f} pairs/s)\n"
    )
    table_header(["encoder", "training min", "steps", "pairs", "held-out title→abstract R@1", "MRR@10"])
    for label, _, info in models:
        v = info["validation"]
        table_row(
            label,
            f"{info['minutes']:g}",
            info["steps"],
            f"{info['examples']:,}",
            f"{v['R@1']:.3f}",
            f"{v['MRR@10']:.3f}",
        )
    for fname, table in results.items():
        print(f"\n{fname}, sub-corpus of {len(sub):,} papers\n")
        table_header(["retriever", "encoder", "Recall@1", "Recall@10", "MRR@10", "higher / lower than base"])
        for (label, mode), m in sorted(
            table.items(), key=lambda kv: ("keyword dense hybrid".index(kv[0][1]),)
        ):
            enc_label = "-" if mode == "keyword" else label
            paired = ""
            if mode != "keyword" and label != models[0][0]:
                up, down = paired_changes(
                    per_question[fname][f"{models[0][0]}|{mode}"], per_question[fname][f"{label}|{mode}"]
                )
                paired = f"{up} / {down}"
            table_row(mode, enc_label, *(f"{m[key]:.3f}" for key in ("R@1", "R@10", "MRR@10")), paired)
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "models": [(label, str(folder), info) for label, folder, info in models],
                    "ranks": per_question,
                    "results": {
                        f: {f"{lab}|{m}": v for (lab, m), v in t.items()} for f, t in results.items()
                    },
                    "train": {"steps": stats.steps, "examples": stats.examples, "seconds": stats.seconds},
                },
                indent=1,
                default=str,
            )
        )


if __name__ == "__main__":
    main()
