"""Reference fp32 embeddings of the whole corpus with plain sentence-transformers (GPU if there is one).

    python bench/embed_corpus.py --model PATH --out DIR [--data ../shared/data/arxiv-physics-83k.jsonl.gz]

--data may be .jsonl, .jsonl.gz or .jsonl.xz (only id, title and abstract are read).

Writes DIR/ids.json (arXiv ids in file order), DIR/emb-NN.npy (float16 shards of at most 15 MiB, rows
in file order, L2-normalised) and DIR/queries.npy (float32: dev questions, then the hard ones). On 2 CPU
cores this takes about 45 minutes; on one H100 about 40 s. bench/dense_recall.py compares these with
the index physlit built (onnx-int8) on the dev questions.
"""

from __future__ import annotations

import gzip
import json
import lzma
import sys
from pathlib import Path

import numpy as np
from harness import QUESTION_FILES, SHARED, parser_make


def paper_text(title: str, abstract: str) -> str:
    # Same text physlit embeds (physlit.ml.encoder.paper_text), repeated so this runs without physlit.
    title, abstract = " ".join(title.split()), " ".join(abstract.split())
    if not title or not abstract:
        return title or abstract
    return title + (" " if title[-1] in ".?!" else ". ") + abstract


def main() -> None:
    parser = parser_make(__doc__)
    parser.add_argument("--model", required=True, help="sentence-transformers directory")
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--data", type=Path, default=SHARED / "data" / "arxiv-physics-83k.jsonl.gz")
    parser.add_argument("--questions-dir", type=Path, default=SHARED / "eval")
    parser.add_argument("--batch-size", type=int, default=256)
    args = parser.parse_args()
    import torch
    from sentence_transformers import SentenceTransformer

    device = "cuda" if torch.cuda.is_available() else "cpu"
    model = SentenceTransformer(args.model, device=device).float()
    ids, texts = [], []
    opener = {".gz": gzip.open, ".xz": lzma.open}.get(args.data.suffix, open)
    with opener(args.data, "rt") as handle:
        for line in handle:
            record = json.loads(line)
            ids.append(record["id"])
            texts.append(paper_text(record["title"], record["abstract"]))
    args.out.mkdir(parents=True, exist_ok=True)
    emb = model.encode(texts, batch_size=args.batch_size, normalize_embeddings=True, show_progress_bar=True)
    rows = (15 * 2**20) // (emb.shape[1] * 2)
    for n, start in enumerate(range(0, len(emb), rows)):
        np.save(args.out / f"emb-{n:02d}.npy", emb[start : start + rows].astype(np.float16))
    (args.out / "ids.json").write_text(json.dumps(ids))
    questions = [
        json.loads(line)["question"] for f in QUESTION_FILES for line in open(args.questions_dir / f)
    ]
    np.save(args.out / "queries.npy", model.encode(questions, normalize_embeddings=True).astype(np.float32))
    print(f"{len(ids)} papers and {len(questions)} questions embedded on {device}", file=sys.stderr)


if __name__ == "__main__":
    main()
