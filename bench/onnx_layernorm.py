"""ONNX export without SkipLayerNormalization (EXPORT_RECIPE /2) against the same file run the former way, in
one run: onnxruntime fuses Add + LayerNormalization back into SkipLayerNormalization unless the session
disables that fusion, as physlit's does, so one artifact times both graphs. Prints a markdown table: ms to
embed one question (the 100 dev and hard questions, one thread, as a web worker does), papers/s on real
papers (batches of 64), and the cosine between the two graphs' embeddings.

    flock /tmp/physlit-bench.lock .venv/bin/python bench/onnx_layernorm.py [--n 1000] [--rounds 5]

Rounds interleave the two sessions and each takes its fastest round.
"""

from __future__ import annotations

import copy
import os
import time
from pathlib import Path

import numpy as np
from harness import ROOT, parser_make, questions_texts, table_header, table_row

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench.encode_speed import default_data, papers_sample  # noqa: E402
from physlit.ml import encoder as enc  # noqa: E402


def fused_again(encoder: enc.Encoder, threads: int) -> enc.Encoder:
    """The same encoder and file, with onnxruntime's SkipLayerNormFusion left on (the graph before /2)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    other = copy.copy(encoder)
    other._session = ort.InferenceSession(str(encoder.artifact), options, providers=["CPUExecutionProvider"])
    return other


def main() -> None:
    parser = parser_make(__doc__)
    parser.add_argument("--data", type=Path, default=default_data())
    parser.add_argument("--n", type=int, default=1000, help="papers to time (papers/s)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--cache-dir", type=Path, default=ROOT / "var" / "models" / "onnx")
    args = parser.parse_args()
    asked = questions_texts()
    papers = papers_sample(args.data, args.n, 0)
    rows = []
    for backend in ("onnx-int8", "onnx"):
        for threads, what, texts in ((1, "question", asked), (2, "paper", papers)):
            new = enc.get_encoder(backend=backend, cache_dir=args.cache_dir, threads=threads)
            old = fused_again(new, threads)
            best = {"old": float("inf"), "new": float("inf")}
            out = {}
            for _ in range(args.rounds):
                for name, encoder in (("old", old), ("new", new)):
                    start = time.perf_counter()
                    if what == "question":
                        out[name] = np.concatenate([encoder.encode([q]) for q in texts])
                    else:
                        out[name] = encoder.encode(texts, batch_size=64)
                    best[name] = min(best[name], time.perf_counter() - start)
            cosine = np.sum(out["old"] * out["new"], axis=1)
            if what == "question":
                cells = [f"{best[k] / len(texts) * 1000:.2f} ms" for k in ("old", "new")]
            else:
                cells = [f"{len(texts) / best[k]:.0f} papers/s" for k in ("old", "new")]
            rows.append(
                (
                    backend,
                    f"{what}s, {threads} thread{'s' * (threads > 1)}",
                    *cells,
                    f"{best['old'] / best['new']:.2f}x",
                    f"{cosine.mean():.5f} / {cosine.min():.5f}",
                )
            )
    print(f"\n{len(asked)} questions, {len(papers)} papers, fastest of {args.rounds} rounds\n")
    table_header(
        [
            "backend",
            "texts",
            "SkipLayerNormalization (before)",
            "Add + LayerNormalization (now)",
            "speed-up",
            "cosine between the two (mean / min)",
        ]
    )
    for row in rows:
        table_row(*row)


if __name__ == "__main__":
    main()
