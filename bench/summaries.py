"""Summaries: quality on the dev questions' tldr, every summarizer version beside the baselines, and
throughput through the real summarize path, in one run.

    flock /tmp/physlit-bench.lock .venv/bin/python bench/summaries.py --var-dir /tmp/physlit-var \
        --throughput 3000

Quality: the 50 dev papers are read straight from the 83k snapshot file (no database needed for them);
each summarizer version in the registry (all of them, trained by `train summarizer`, with their training
time and validation score) is scored by ROUGE-1/2/L (rouge-score, stemming) against the `tldr`, beside the
lead sentence, TextRank (MiniLM) and title baselines, the untrained fallback and the best single sentence
(the ceiling of one-sentence extraction). Beside ROUGE, what a reader notices (physlit.text.scoring):
"fragments" (not one complete sentence: opens with a word that needs context, ends in an ellipsis or
unfinished, under 6 words), "lead copies" (the first sentence word for word), "result stated" (of the papers
whose abstract states a result the patterns find, the share whose summary states one of its values).
"unsupported" is the share of final summaries naming a number the
abstract does not (the guard's job: always 0); "rejected" counts drafts the guard replaced.
Throughput: `papers_summarize` (encode, score, guard, write rows) over the first N papers of the database
with the current summarizer, papers/s on this machine. --corpus-sample N: fragments and lead copies of each
version on N papers of the database (they need no reference), beyond the 50 dev papers.
"""

from __future__ import annotations

import gzip
import json
import os
import time
from pathlib import Path

from harness import django_setup, parser_make, table_header, table_row


def dev_papers(snapshot: Path, questions: Path) -> tuple[list[dict], list[str]]:
    tldr = {}
    for line in questions.read_text().splitlines():
        if line.strip():
            q = json.loads(line)
            if q.get("tldr"):
                tldr[q["id"]] = q["tldr"]
    found = {}
    opener = gzip.open if snapshot.suffix == ".gz" else open
    with opener(snapshot, "rt", encoding="utf-8") as handle:
        for line in handle:
            if '"id"' in line:
                obj = json.loads(line)
                if obj["id"] in tldr:
                    found[obj["id"]] = obj
    ids = [i for i in tldr if i in found]
    return [found[i] for i in ids], [tldr[i] for i in ids]


def main() -> None:
    parser = parser_make(__doc__, database=True, var_dir=True)
    parser.add_argument(
        "--throughput", type=int, default=0, help="papers to summarize for the speed (0: skip)"
    )
    parser.add_argument(
        "--corpus-sample", type=int, default=0, help="also read N corpus papers' summaries (0: skip)"
    )
    args = parser.parse_args()
    django_setup(args)
    from django.conf import settings

    from physlit.corpus.models import Paper
    from physlit.evaluation.summaries import baseline_summaries, reading_table, rouge_table
    from physlit.ml.summarizer import lead_summary
    from physlit.registry.models import ModelVersion
    from physlit.summaries.guard import unsupported
    from physlit.summaries.services import drafts_guard, papers_summarize, summarizer_encoder, summarizer_for
    from physlit.text import sentences as sentences_split
    from physlit.text.rouge import rouge_scores

    shared = Path(settings.SHARED_DIR)
    papers, refs = dev_papers(
        shared / "data" / "arxiv-physics-83k.jsonl.gz", shared / "eval" / "dev-questions.jsonl"
    )
    abstracts = [p["abstract"] for p in papers]
    titles = [" ".join(p["title"].split()) for p in papers]
    oracle = [
        max(sentences_split(a), key=lambda s, r=r: rouge_scores(s, r)["rougeL"])
        for a, r in zip(abstracts, refs)
    ]
    candidates = baseline_summaries(abstracts, summarizer_encoder())
    candidates["title"] = titles
    candidates["physlit fallback (lead clauses, untrained)"] = [lead_summary(a) for a in abstracts]
    candidates["title: lead (not used: repeats the title)"] = [
        f"{t}: {lead_summary(a)}" for t, a in zip(titles, abstracts)
    ]
    rejected = {}
    versions = list(ModelVersion.objects.filter(kind="summarizer").order_by("pk"))
    for version in versions:
        name = f"{version.label} ({version.metrics.get('level', '?')}s, {version.status})"
        start = time.perf_counter()
        guarded = drafts_guard(summarizer_for(version), abstracts)
        rejected[name] = (sum(g.rejected for g in guarded), time.perf_counter() - start)
        candidates[name] = [g.text for g in guarded]
    candidates["best single sentence (oracle ceiling)"] = oracle
    table = rouge_table(candidates, refs)
    reading = reading_table(candidates, abstracts)
    with_result = next(iter(reading.values()))["with result"]
    print(f"\n{len(papers)} dev papers with a tldr ({with_result} whose abstract states a result)\n")
    table_header(
        [
            "summary",
            "ROUGE-1",
            "ROUGE-2",
            "ROUGE-L",
            "words",
            "fragments",
            "lead copies",
            "result stated",
            "unsupported numbers",
            "rejected by guard",
        ]
    )
    for name, m in table.items():
        numbers = sum(
            any(p.isdigit() for p in unsupported(t, a)) for t, a in zip(candidates[name], abstracts)
        )
        rej = rejected.get(name, ("-", 0))[0]
        table_row(
            name,
            *(f"{m[key]:.1f}" for key in ("ROUGE-1", "ROUGE-2", "ROUGE-L", "words")),
            *(f"{reading[name][key]:.0f} %" for key in ("fragment", "lead copy", "result stated")),
            f"{100 * numbers / len(papers):.0f} %",
            rej,
        )
    if versions:
        print()
        table_header(
            [
                "version",
                "units",
                "training papers",
                "train s",
                "validation score",
                "baseline on val",
                "dev tldr ROUGE-L",
            ]
        )
        for version in versions:
            name = f"{version.label} ({version.metrics.get('level', '?')}s, {version.status})"
            table_row(
                version.label,
                version.metrics.get("level"),
                version.metrics.get("train_papers"),
                f"{version.train_seconds:.0f}",
                f"{version.score:.2f}",
                f"{version.baseline_score or 0:.2f} ({version.metrics.get('baseline')})",
                f"{table[name]['ROUGE-L']:.1f}",
            )
    if args.corpus_sample:
        corpus_reading(versions, args.corpus_sample)
    if args.throughput:
        ids = list(Paper.objects.order_by("pk").values_list("pk", flat=True)[: args.throughput])
        report = papers_summarize(ids)
        print(f"\nthroughput: {report.line()}; cores: {len(os.sched_getaffinity(0))}")


def corpus_reading(versions, n: int) -> None:
    """Fragments and lead copies (no reference needed) of each version's summaries, and of the lead
    sentence's, on N papers of the database: every 83rd by arXiv id (spread over the years and archives)."""
    from physlit.corpus.models import Paper
    from physlit.ml.summarizer import lead_summary
    from physlit.summaries.services import summarizer_for
    from physlit.text.scoring import lead_copy, summary_problem

    rows = Paper.objects.exclude(abstract="").order_by("arxiv_id").values_list("abstract", flat=True)
    abstracts = list(rows[::83][:n])
    made = {"physlit fallback (lead clauses, untrained)": [lead_summary(a) for a in abstracts]}
    for version in versions:
        made[f"{version.label} ({version.status})"] = [
            d.text for d in summarizer_for(version).summarize(abstracts)
        ]
    print(f"\n{len(abstracts)} corpus papers (every 83rd by arXiv id), no reference needed\n")
    table_header(["summary", "fragments", "lead copies"])
    for name, texts in made.items():
        fragments = sum(summary_problem(t) is not None for t in texts)
        leads = sum(lead_copy(t, a) for t, a in zip(texts, abstracts))
        table_row(name, f"{100 * fragments / len(texts):.1f} %", f"{100 * leads / len(texts):.1f} %")


if __name__ == "__main__":
    main()
