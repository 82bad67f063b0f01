"""Held-out pair scores of encoder checkpoints: can a validation built like the training pairs tell which
checkpoint retrieves best on the dev questions? MRR@10 of four kinds of pairs from the held-out papers
(physlit.ml.encoder_training.paper_pairs): title -> abstract and sentence -> title + other sentences, each
plain and with the word gap (the document without the query's words), for the base MiniLM and each folder:

    .venv/bin/python bench/encoder_validation.py /tmp/encoder-adaptation-*/{10,30}min

(the checkpoint folders bench/encoder_adaptation.py leaves under the temporary directory).
"""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

from harness import SHARED, parser_make, table_header, table_row


def main() -> None:
    parser = parser_make(__doc__)
    parser.add_argument("models", nargs="*", type=Path, help="encoder folders to score beside the base")
    parser.add_argument("--pairs", type=int, default=1000, help="held-out pairs of each kind")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch

    from physlit.ml import encoder_training as et
    from physlit.ml.encoder import packaged_model_path

    torch.set_num_threads(args.threads)
    with gzip.open(SHARED / "data" / "arxiv-physics-83k.jsonl.gz", "rt", encoding="utf-8") as f:
        held = [(p["title"], p["abstract"]) for p in map(json.loads, f) if et.held_out(p["id"])]
    kinds = {
        "title→abstract": dict(sentence_queries=0.0, word_gap=0.0, seed=0),
        "sentence→title + rest": dict(sentence_queries=1.0, word_gap=0.0, seed=1),
        "title→abstract, word gap": dict(sentence_queries=0.0, word_gap=1.0, seed=2),
        "sentence→rest, word gap": dict(sentence_queries=1.0, word_gap=1.0, seed=3),
    }
    pairs = {name: et.paper_pairs(held, **kw)[: args.pairs] for name, kw in kinds.items()}
    device = torch.device("cpu")
    print(f"\n{len(held):,} held-out papers, {args.pairs} pairs of each kind; MRR@10\n")
    table_header(["encoder", *kinds])
    for folder in [packaged_model_path(), *args.models]:
        model, tokenizer = et.model_load(folder, device)
        scores = [et.retrieval_metrics(model, tokenizer, p, device=device)["MRR@10"] for p in pairs.values()]
        label = "base MiniLM" if folder == packaged_model_path() else str(folder)
        table_row(label, *(f"{s:.3f}" for s in scores))


if __name__ == "__main__":
    main()
