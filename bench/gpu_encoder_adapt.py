"""Encoder adaptation on a GPU machine (no Django, faiss or bm25s there): train adapted MiniLMs at several
budgets, embed the whole corpus with the base and each adapted model, and return each dev question's dense
top 100 (arXiv ids and cosine scores) as JSON for bench/encoder_adaptation.py to score and fuse with BM25.

    python bench/gpu_encoder_adapt.py --minilm .gpu/minilm --corpus .gpu/corpus.jsonl.xz \
        --questions .gpu-c/dev-questions.jsonl .gpu-c/dev-questions-hard.jsonl --out $OUT/adapt.json \
        --steps 0,190,570,1700

The training is physlit's own (physlit/ml/encoder_training.py, loaded without the Django package), with
the held-out split of physlit.search.adapt (hash of the arXiv id), so a budget of N steps here is the
same run as N steps of `manage.py train encoder` on CPU, only faster.
"""

from __future__ import annotations

import json
import lzma
import sys
import time
import types
from pathlib import Path

from harness import ROOT, parser_make

# physlit/__init__.py starts Celery (Django); the ml package needs neither, so load it as a bare package.
_pkg = types.ModuleType("physlit")
_pkg.__path__ = [str(ROOT / "physlit")]
sys.modules.setdefault("physlit", _pkg)

import torch  # noqa: E402

from physlit.ml import encoder_training as et  # noqa: E402
from physlit.ml.encoder import paper_text  # noqa: E402

held_out = et.held_out


def main() -> None:
    parser = parser_make(__doc__)
    parser.add_argument("--minilm", type=Path, required=True)
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--questions", type=Path, nargs="+", required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--steps", default="0,190,570,1700", help="budgets in steps; 0 = the base model")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--sentence-queries", type=float, default=0.5)
    parser.add_argument("--variant", action="append", default=[], help="extra run NAME:key=val,... ")
    parser.add_argument("--top", type=int, default=100)
    parser.add_argument("--validation-pairs", type=int, default=1000)
    args = parser.parse_args()
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    torch.backends.cuda.matmul.allow_tf32 = True

    t0 = time.time()
    papers = [json.loads(line) for line in lzma.open(args.corpus, "rt", encoding="utf-8")]
    ids = [p["id"] for p in papers]
    texts = [paper_text(p["title"], p["abstract"]) for p in papers]
    train_papers = [(p["title"], p["abstract"]) for p in papers if not held_out(p["id"])]
    val_papers = [(p["title"], p["abstract"]) for p in papers if held_out(p["id"])]
    val_pairs = et.paper_pairs(val_papers, sentence_queries=0.0)[: args.validation_pairs]
    questions = {
        path.name: [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]
        for path in args.questions
    }
    print(
        f"{len(papers)} papers ({len(train_papers)} train, {len(val_papers)} held out) in "
        f"{time.time() - t0:.0f}s",
        flush=True,
    )

    runs = [(f"steps={s}", {"steps": int(s)}) for s in args.steps.split(",")]
    for spec in args.variant:
        name, _, kv = spec.partition(":")
        runs.append((name, {k: float(v) for k, v in (x.split("=") for x in kv.split(",") if x)}))

    result = {
        "corpus": len(papers),
        "train_papers": len(train_papers),
        "device": torch.cuda.get_device_name() if torch.cuda.is_available() else "cpu",
        "runs": {},
    }
    for name, opts in runs:
        steps = int(opts.get("steps", 0))
        config = et.ContrastiveConfig(
            batch_size=int(opts.get("batch_size", args.batch_size)),
            sentence_queries=float(opts.get("sentence_queries", args.sentence_queries)),
            learning_rate=float(opts.get("lr", 2e-5)),
        )
        torch.manual_seed(config.seed)
        model, tokenizer = et.model_load(args.minilm, device)
        stats = None
        if steps:
            pool = train_papers
            if opts.get("exclude_gold"):
                gold = {q["id"] for qs in questions.values() for q in qs}
                pool = [
                    (p["title"], p["abstract"])
                    for p in papers
                    if not held_out(p["id"]) and p["id"] not in gold
                ]
            pairs = et.paper_pairs(pool, sentence_queries=config.sentence_queries, seed=config.seed)
            stats = et.contrastive_train(
                model,
                tokenizer,
                pairs,
                device=device,
                config=config,
                max_steps=steps,
                log=lambda s: print(s, flush=True),
                label=name,
            )
        val = et.retrieval_metrics(model, tokenizer, val_pairs, device=device)
        t1 = time.time()
        emb = et.texts_embed(model, tokenizer, texts, device=device, max_length=256, batch_size=256)
        embed_s = time.time() - t1
        corpus = torch.from_numpy(emb).to(device)
        ranked = {}
        for fname, qs in questions.items():
            qv = torch.from_numpy(
                et.texts_embed(model, tokenizer, [q["question"] for q in qs], device=device, max_length=256)
            ).to(device)
            scores, top = (qv @ corpus.T).topk(args.top, dim=1)
            ranked[fname] = [
                {"id": q["id"], "ranked": [ids[i] for i in row], "scores": [round(float(s), 5) for s in srow]}
                for q, row, srow in zip(qs, top.tolist(), scores.tolist())
            ]
        result["runs"][name] = {
            "steps": stats.steps if stats else 0,
            "examples": stats.examples if stats else 0,
            "train_seconds": round(stats.seconds, 1) if stats else 0.0,
            "final_loss": stats.final_loss if stats else None,
            "config": stats.config if stats else None,
            "validation": val,
            "embed_seconds": round(embed_s, 1),
            "questions": ranked,
        }
        print(f"{name}: validation {val} embed {embed_s:.0f}s", flush=True)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result))  # after each run, so a timeout keeps what finished
        del model, corpus
        torch.cuda.empty_cache()
    print(f"done in {time.time() - t0:.0f}s")


if __name__ == "__main__":
    main()
