"""Calibrating the "No close match" notice and the matches counted: rates per cosine threshold, real queries.

    .venv/bin/python bench/no_match.py --database-url postgres://postgres@127.0.0.1:5432/physlit_hb \
        --var-dir /tmp/hb-var

Needs a corpus imported and an index built (`manage.py import_snapshot`, `manage.py build_index`); it only
reads them. The notice fires when no paper's cosine with the query (the index's query encoder) reaches
settings.PHYSLIT_SEARCH_CLOSE_COSINE; otherwise every paper reaching PHYSLIT_SEARCH_MATCH_COSINE is a match.
For each threshold t it prints, per group of queries, the rate at which the notice fires with t as the
close-match threshold, and with t as the match threshold, the median number of matches (the page's total,
capped as the site caps it) and the share of dev questions whose gold paper would be among the matches
(its cosine with the question reaches t): for gold papers not in this corpus, their title and abstract are
read from --snapshot (the 83k file by default) and embedded by the index's encoder, so that the small demo
corpus still measures this on every dev question. Groups: the dev questions (both shared files) whose gold
paper is in the corpus, those whose gold paper is not, physics topics present in the corpus, physics
topics absent from the 3k demo snapshot (the phrase count printed beside each shows whether this corpus has
them), and everyday off-topic queries. Then the latency of papers_matching beside papers_search (hybrid,
k=10).
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from harness import QUESTION_FILES, django_setup, parser_make, table_header, table_row

# Physics a physicist would ask about that the 3k demo covers (each phrase is in several of its abstracts).
ON_TOPIC = [
    "dark energy equation of state",
    "gravitational waves from compact binaries",
    "Higgs boson production at the LHC",
    "exoplanet atmospheres",
    "Bose-Einstein condensate of cold atoms",
    "string theory compactification",
    "superconductivity in cuprates",
    "turbulence in fluids",
    "laser cooling",
    "quantum error correction codes",
    "plasma instabilities",
    "neutrino oscillations",
    "cosmic microwave background anisotropies",
    "black hole entropy",
    "supersymmetry breaking",
    "dark matter halos",
    "quantum entanglement measures",
    "galaxy clusters",
    "spin chains",
    "gamma-ray bursts",
]

# Physics topics the 3k demo snapshot lacks (no abstract there contains the phrase); the 83k corpus may not.
ABSENT_TOPICS = [
    "topological insulators",
    "protein folding",
    "climate models of ocean circulation",
    "perovskite solar cells",
    "quantum spin Hall effect",
    "magnetic skyrmions",
    "lithium-ion battery electrolytes",
    "earthquake rupture dynamics",
]

# Queries no physics library answers.
OFF_TOPIC = [
    "chocolate chip cookie recipe",
    "how to bake sourdough bread",
    "best pasta carbonara",
    "vegan lasagna without cheese",
    "football world cup final",
    "Premier League transfer news",
    "who won the NBA finals",
    "tennis Wimbledon champions",
    "stock prices today",
    "bitcoin price prediction",
    "mortgage interest rates",
    "how to file my tax return",
    "cheap flights to Paris",
    "hotels in Barcelona",
    "wedding dress ideas",
    "how to train a puppy",
    "cat food brands",
    "knitting patterns for scarves",
    "garden tomato diseases",
    "best hiking boots",
    "Taylor Swift concert tickets",
    "Oscar nominations for best actor",
    "Game of Thrones season finale",
    "learn to play guitar chords",
    "Shakespeare sonnets analysis",
    "French revolution causes",
    "Roman empire emperors",
    "job interview tips",
    "how to write a resume",
    "javascript array sort",
    "python pandas dataframe merge",
    "install windows printer driver",
    "iPhone battery replacement",
    "car engine oil change",
    "used cars for sale",
    "makeup tutorial for beginners",
    "weight loss diet plan",
    "yoga for back pain",
    "symptoms of the flu in children",
    "wine pairing with cheese",
]

THRESHOLDS = [0.20, 0.25, 0.30, 0.325, 0.35, 0.375, 0.40, 0.45, 0.50]


def main() -> None:
    parser = parser_make(__doc__, database=True, var_dir=True)
    parser.add_argument("--thresholds", type=float, nargs="*", default=THRESHOLDS)
    parser.add_argument("--snapshot", help="Kaggle-format JSON lines holding the dev questions' gold papers")
    args = parser.parse_args()
    django_setup(args)
    import gzip
    import json

    import numpy as np
    from django.conf import settings

    from physlit.corpus.models import Paper
    from physlit.evaluation.questions import questions_read
    from physlit.ml import vectors
    from physlit.ml.encoder import paper_text
    from physlit.search.build import index_current
    from physlit.search.encoding import encoder_for_index
    from physlit.search.service import (
        dense_ranked,
        index_loaded,
        papers_matching,
        papers_search,
        query_vector,
    )

    row = index_current()
    if row is None:
        sys.exit("no index: run `manage.py build_index` first")
    loaded = index_loaded()
    cap = settings.PHYSLIT_SEARCH_MATCH_CAP
    print(
        f"\nindex {row.pk}: {row.count:,} papers, {row.dense_kind} dense search, encoder {row.encoder}; "
        f"close match at {settings.PHYSLIT_SEARCH_CLOSE_COSINE}, "
        f"match at {settings.PHYSLIT_SEARCH_MATCH_COSINE}, cap {cap}\n"
    )

    def cosines(query: str) -> np.ndarray:
        """The capped list of the query's nearest cosines, best first."""
        return dense_ranked(loaded, query_vector(loaded, query), cap, None).scores

    dev_in, dev_out, gold = [], [], []
    pks = dict(Paper.objects.values_list("arxiv_id", "pk"))
    indexed = set(loaded.ids.tolist())
    absent = []  # questions whose gold paper this index lacks
    for name in QUESTION_FILES:
        for q in questions_read(Path(settings.SHARED_DIR) / "eval" / name):
            pk = pks.get(q.arxiv_id or "")
            if pk in indexed:
                dev_in.append(q.question)
                stored = vectors.index_vectors(loaded.dense, np.asarray([pk]))[0]
                gold.append(float(stored @ query_vector(loaded, q.question)))
            else:
                dev_out.append(q.question)
                absent.append(q)
    snapshot = Path(args.snapshot or Path(settings.SHARED_DIR) / "data" / "arxiv-physics-83k.jsonl.gz")
    wanted = {q.arxiv_id for q in absent}
    texts = {}
    if absent and snapshot.exists():
        with (gzip.open if snapshot.suffix == ".gz" else open)(snapshot, "rt", encoding="utf-8") as lines:
            for line in lines:
                record = json.loads(line)
                if record.get("id") in wanted:
                    texts[record["id"]] = paper_text(record.get("title", ""), record.get("abstract", ""))
        encoder = encoder_for_index(loaded.row)
        for q in absent:
            if q.arxiv_id in texts:
                paper = encoder.encode([texts[q.arxiv_id]])[0]
                gold.append(float(paper @ query_vector(loaded, q.question)))
    read = f"{len(texts)} papers read from {snapshot.name}"
    print(f"dev questions with a gold paper embedded: {len(gold)} ({len(dev_in)} indexed, {read})\n")

    def phrase_papers(phrase: str) -> int:
        return Paper.objects.filter(abstract__icontains=phrase).count()

    print("Absent-topic check (papers whose abstract contains the phrase in this corpus):")
    print(", ".join(f"{t!r}: {phrase_papers(t)}" for t in ABSENT_TOPICS) + "\n")
    groups = {
        "dev, gold indexed": dev_in,
        "dev, gold not indexed": dev_out,
        "physics in corpus": ON_TOPIC,
        "physics absent from 3k": ABSENT_TOPICS,
        "off-topic": OFF_TOPIC,
    }
    scored = {name: [cosines(q) for q in queries] for name, queries in groups.items()}
    print("Top-1 cosine per group (median, min, max):")
    for name, lists in scored.items():
        tops = [float(c[0]) if len(c) else 0.0 for c in lists]
        if tops:
            print(f"- {name} ({len(tops)}): {statistics.median(tops):.3f}, {min(tops):.3f}, {max(tops):.3f}")
    print()
    print("Nearest paper per query outside the dev questions (top-1 cosine, title):")
    titles = dict(Paper.objects.values_list("pk", "title"))
    for name in ("physics in corpus", "physics absent from 3k", "off-topic"):
        for query in groups[name]:
            top = dense_ranked(loaded, query_vector(loaded, query), 1, None)
            title = titles.get(int(top.ids[0]), "")[:70] if len(top.ids) else ""
            print(f"- [{name}] {query!r}: {float(top.scores[0]) if len(top.ids) else 0:.3f} {title!r}")
    print()
    columns = ["threshold"]
    for name, queries in groups.items():
        columns += [f"notice: {name} (n={len(queries)})", f"median matches: {name}"]
    columns.append(f"dev gold among matches (n={len(gold)})")
    table_header(columns, "r" * len(columns))
    for t in args.thresholds:
        cells: list[object] = [f"{t:.3f}"]
        for lists in scored.values():
            fired = [not len(c) or c[0] < t for c in lists]
            counts = [int((c >= t).sum()) for c in lists]
            cells.append(f"{np.mean(fired):.0%}" if fired else "–")
            median = statistics.median(counts) if counts else 0
            cells.append("–" if not counts else f"{cap}+" if median >= cap else f"{median:g}")
        cells.append(f"{np.mean([g >= t for g in gold]):.0%}" if gold else "–")
        table_row(*cells)

    # The same questions in English and in Chinese (read through the glossary), through the page's own path.
    print("\nThe page's notice and matches, dev questions in English and the same in Chinese:\n")
    table_header(["questions", "no close match", "gold paper among the matches"], "lrr")
    for name in ("dev-questions.jsonl", "dev-questions-zh.jsonl"):
        asked = [
            q for q in questions_read(Path(settings.SHARED_DIR) / "eval" / name) if pks.get(q.arxiv_id or "")
        ]
        found = [papers_matching(query=q.question) for q in asked]
        weak = np.mean([f.weak for f in found])
        among = np.mean([pks[q.arxiv_id or ""] in f.ids() for q, f in zip(asked, found)])
        table_row(f"{name} ({len(asked)})", f"{weak:.0%}", f"{among:.0%}")

    sample = (dev_in + dev_out)[:50]
    for label, run in [
        ("papers_search (hybrid, k=10)", lambda q: papers_search(query=q, k=10)),
        ("papers_matching (hybrid, all matches)", lambda q: papers_matching(query=q)),
    ]:
        run(sample[0])  # warm
        start = time.perf_counter()
        for q in sample:
            run(q)
        ms = (time.perf_counter() - start) / len(sample) * 1000
        print(f"\n{label}: {ms:.1f} ms a query ({len(sample)} queries)")


if __name__ == "__main__":
    main()
