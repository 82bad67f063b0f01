"""Encoding throughput on real papers: sentence-transformers fp32 (the baseline) against physlit's encoder
backends, in one run. Prints a markdown table: papers/s, speed-up over the baseline, cosine to the baseline.

    flock /tmp/physlit-bench.lock .venv/bin/python bench/encode_speed.py [--n 2000] [--rounds 3]

Rounds interleave the encoders (baseline, onnx, onnx-int8, torch-bf16, baseline, ...) and the table takes
each one's fastest round: on a machine shared with other work the least-disturbed run is the closest to
the truth.
"""

from __future__ import annotations

import gzip
import json
import os
import platform
import random
import sys
import time
from pathlib import Path

import numpy as np
from harness import ROOT, SHARED, parser_make, table_header, table_row

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from physlit.ml import encoder as enc  # noqa: E402


def default_data() -> Path:
    return SHARED / "data" / "arxiv-physics-83k.jsonl.gz"


def papers_sample(path: Path, n: int, seed: int) -> list[str]:
    """n papers drawn with a fixed seed, as the text the encoder embeds (title + abstract)."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        lines = f.readlines()
    picked = random.Random(seed).sample(range(len(lines)), min(n, len(lines)))
    rows = (json.loads(lines[i]) for i in sorted(picked))
    return [enc.paper_text(r.get("title") or "", r.get("abstract") or "") for r in rows]


def timed(fn, texts: list[str]) -> tuple[np.ndarray, float]:
    start = time.perf_counter()
    out = fn(texts)
    return out, time.perf_counter() - start


def main() -> None:
    parser = parser_make(__doc__)
    parser.add_argument("--data", type=Path, default=default_data())
    parser.add_argument("--n", type=int, default=2000, help="papers to sample")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument(
        "--backends", default="onnx,onnx-int8,torch-bf16", help="comma-separated physlit backends"
    )
    parser.add_argument("--cache-dir", type=Path, default=ROOT / "var" / "models" / "onnx")
    parser.add_argument("--max-seq-length", type=int, default=None, help="cap the model's sequence length")
    parser.add_argument("--rounds", type=int, default=1, help="interleaved timing rounds; the fastest counts")
    parser.add_argument(
        "--save-embeddings", type=Path, help="write the embeddings of this CPU's fast backend here (.npy)"
    )
    args = parser.parse_args()

    texts = papers_sample(args.data, args.n, args.seed)
    backends = [b for b in args.backends.split(",") if b]
    from sentence_transformers import SentenceTransformer

    spec = enc.model_spec()
    reference_model = SentenceTransformer(str(spec.root), device="cpu")

    def baseline(batch: list[str]) -> np.ndarray:
        return reference_model.encode(batch, batch_size=64, normalize_embeddings=True, convert_to_numpy=True)

    runners = {"sentence-transformers fp32 (baseline)": baseline}
    for backend in backends:
        encoder = enc.get_encoder(
            backend=backend, cache_dir=args.cache_dir, max_seq_length=args.max_seq_length
        )
        runners[f"physlit {backend}"] = lambda batch, e=encoder: e.encode(batch, batch_size=args.batch_size)

    for fn in runners.values():  # warm-up: first-call allocations and lazy initialisation
        fn(texts[:32])
    seconds: dict[str, list[float]] = {label: [] for label in runners}
    outputs: dict[str, np.ndarray] = {}
    load = [os.getloadavg()[0]]
    for _ in range(args.rounds):
        for label, fn in runners.items():
            outputs[label], dt = timed(fn, texts)
            seconds[label].append(dt)
            print(f"  {label}: {len(texts) / dt:.1f} papers/s", file=sys.stderr, flush=True)
    load.append(os.getloadavg()[0])

    base_label = next(iter(runners))
    reference, base_time = outputs[base_label], min(seconds[base_label])
    print(
        f"\n{len(texts)} papers (seed {args.seed}) from {args.data.name}; batch {args.batch_size}; "
        f"max_seq_length {args.max_seq_length or spec.max_seq_length}; {args.rounds} round(s), fastest; "
        f"{os.cpu_count()} cores ({platform.processor() or platform.machine()}, native bf16: "
        f"{enc.bf16_native()}); "
        f"load average {load[0]:.1f} → {load[1]:.1f}; "
        f"`auto` chose {enc.fast_backend(args.cache_dir)} (its own measurement: backend-choice.json)\n"
    )
    table_header(["encoder", "papers/s", "× fp32", "mean cos to fp32", "min cos to fp32"], align="lrrrr")
    for label, times in seconds.items():
        best = min(times)
        cos = np.sum(outputs[label] * reference, axis=1)
        table_row(
            label,
            f"{len(texts) / best:.1f}",
            f"{base_time / best:.2f}",
            f"{cos.mean():.4f}",
            f"{cos.min():.4f}",
        )

    if args.save_embeddings:
        fast = f"physlit {enc.fast_backend(args.cache_dir)}"
        if fast not in outputs:
            parser.error(f"--save-embeddings needs {fast} in --backends")
        args.save_embeddings.parent.mkdir(parents=True, exist_ok=True)
        np.save(args.save_embeddings, outputs[fast])
        print(f"\nwrote {outputs[fast].shape} float32 embeddings to {args.save_embeddings}")


if __name__ == "__main__":
    main()
