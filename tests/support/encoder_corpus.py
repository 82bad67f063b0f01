"""The encoder adaptation tests' corpus: the search corpus's papers and variants of them, on both sides of the
held-out split (fixture `adapt_corpus` in tests/conftest.py stores them)."""

from datetime import date

from physlit.harvest.records import PaperRecord, VersionRecord
from physlit.ml.encoder_training import held_out
from tests.support.corpus import CORPUS


def split_ids(train: int, validation: int) -> list[str]:
    """arXiv-like ids: `train` outside the held-out slice, then `validation` inside it."""
    inside, outside, n = [], [], 0
    while len(inside) < validation or len(outside) < train:
        arxiv_id = f"2402.{n:05d}"
        (inside if held_out(arxiv_id) else outside).append(arxiv_id)
        n += 1
    return outside[:train] + inside[:validation]


def adapt_records(ids: list[str]) -> list[PaperRecord]:
    """One paper per id, cycling through CORPUS; later rounds get "(part n)" titles and an extra sentence."""
    records = []
    for i, arxiv_id in enumerate(ids):
        _, _, categories, first, authors, title, abstract = CORPUS[i % len(CORPUS)]
        variant = i // len(CORPUS)
        records.append(
            PaperRecord(
                arxiv_id=arxiv_id,
                source="snapshot",
                title=f"{title} (part {variant})" if variant else title,
                abstract=f"{abstract} We also study case {variant}. It matters for case {variant}.",
                authors=authors,
                categories=categories,
                first_submitted=first or date(2024, 1, 1),
                last_updated=first or date(2024, 1, 1),
                versions=[VersionRecord(1)],
            )
        )
    return records
