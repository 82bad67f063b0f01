"""Training-step speed of the packaged MiniLM on CPU: the config's attention dropout against none (what
`model_load(..., attention_dropout=0.0)` gives the tagger) and against no dropout at all, in one run.

    .venv/bin/python bench/train_speed.py [--steps 4] [--batch-size 16] [--max-length 384]

Each variant runs `--steps` timed steps (after one untimed warm-up) of a tagger-like step on real abstracts
of the 3k demo (forward under bf16 autocast where the CPU has bf16, a token head, backward, AdamW), rounds
interleaved; it prints examples/s and the ratio to the config's dropout.
"""

from __future__ import annotations

import json
import time

from harness import SHARED, parser_make, table_header, table_row

VARIANTS = {
    "config's dropout (attention 0.1, hidden 0.1)": {},
    "no attention dropout (the tagger)": {"attention_probs_dropout_prob": 0.0},
    "no dropout at all": {"attention_probs_dropout_prob": 0.0, "hidden_dropout_prob": 0.0},
}


def main() -> None:
    parser = parser_make(__doc__)
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--max-length", type=int, default=384)
    args = parser.parse_args()
    import torch
    from transformers import AutoModel, AutoTokenizer

    from physlit.ml.encoder import packaged_model_path
    from physlit.ml.encoder_training import _bf16_autocast, _transformer_dir

    folder = _transformer_dir(packaged_model_path())
    tokenizer = AutoTokenizer.from_pretrained(folder)
    lines = (SHARED / "data" / "arxiv-physics-3k.jsonl").read_text().splitlines()
    texts = [json.loads(line)["abstract"] for line in lines[: (args.steps + 1) * args.batch_size]]
    device = torch.device("cpu")
    mixed = _bf16_autocast(device)
    rates: dict[str, list[float]] = {name: [] for name in VARIANTS}
    for _ in range(args.rounds):
        for name, extra in VARIANTS.items():
            torch.manual_seed(0)
            model = AutoModel.from_pretrained(folder, dtype=torch.float32, **extra).train()
            head = torch.nn.Linear(model.config.hidden_size, 13)
            optimizer = torch.optim.AdamW([*model.parameters(), *head.parameters()], lr=1e-5)
            started = 0.0
            for step in range(args.steps + 1):
                if step == 1:
                    started = time.monotonic()
                batch = texts[step * args.batch_size : (step + 1) * args.batch_size]
                encoded = tokenizer(
                    batch, padding=True, truncation=True, max_length=args.max_length, return_tensors="pt"
                )
                with torch.autocast(device_type="cpu", dtype=torch.bfloat16, enabled=mixed):
                    hidden = model(**encoded).last_hidden_state
                loss = head(hidden.float()).logsumexp(-1).mean()
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
            rates[name].append(args.steps * args.batch_size / (time.monotonic() - started))
    print(f"\nbf16 autocast: {mixed}; {args.batch_size} abstracts a step, up to {args.max_length} tokens\n")
    table_header(["variant", "examples/s (best round)", "ratio"])
    base = max(rates[next(iter(VARIANTS))])
    for name, values in rates.items():
        table_row(name, f"{max(values):.1f}", f"{max(values) / base:.2f}x")


if __name__ == "__main__":
    main()
