"""Factories for papers: a valid PaperRecord with only the fields a test cares about."""

from datetime import UTC, date, datetime

from physlit.harvest.records import PaperRecord, VersionRecord


def paper_record(arxiv_id: str = "2401.00001", **overrides) -> PaperRecord:
    """A one-version hep-th paper of 2024-01-01 titled after its id; keyword arguments replace fields."""
    fields = dict(
        arxiv_id=arxiv_id,
        source="api",
        title=f"Paper {arxiv_id}",
        abstract=f"Abstract of {arxiv_id}.",
        authors=["A. Author"],
        categories=["hep-th"],
        first_submitted=date(2024, 1, 1),
        last_updated=date(2024, 1, 1),
        versions=[VersionRecord(1, datetime(2024, 1, 1, 12, tzinfo=UTC))],
    )
    fields.update(overrides)
    return PaperRecord(**fields)
