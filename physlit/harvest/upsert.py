"""The one write path into the corpus: merge PaperRecords into Paper rows idempotently, in bulk.

Rules: a record seen twice changes nothing; a fresher record (higher version, or later update date)
overwrites the fields it carries; an older or partial record only fills fields that are still empty.
Versions are a union; categories keep the primary one first.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction

from physlit.corpus.categories import category_archive
from physlit.corpus.models import Paper, PaperCategory, PaperVersion
from physlit.harvest.records import PaperRecord

# Scalar text fields merged by the freshness rule.
TEXT_FIELDS = (
    "title", "abstract", "comments", "journal_ref", "doi", "report_no", "license", "submitter",
)
LIST_FIELDS = ("authors", "categories")
UPDATABLE_FIELDS = (
    *TEXT_FIELDS, *LIST_FIELDS, "authors_text", "primary_category", "first_submitted",
    "last_updated", "latest_version", "sources",
)


@dataclass
class UpsertResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def __iadd__(self, other: "UpsertResult") -> "UpsertResult":
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        return self


def _freshness(latest_version: int, last_updated: date | None) -> tuple[int, date]:
    return latest_version, last_updated or date.min


def _merge(paper: Paper, record: PaperRecord) -> bool:
    """Merge one record into an (unsaved or saved) Paper in memory; True if anything changed."""
    before = {name: getattr(paper, name) for name in UPDATABLE_FIELDS}
    fresher = _freshness(record.latest_version, record.last_updated) >= _freshness(
        paper.latest_version, paper.last_updated
    )
    sources = dict(paper.sources or {})
    for name in (*TEXT_FIELDS, *LIST_FIELDS):
        value = getattr(record, name)
        if value and (fresher or not getattr(paper, name)) and value != getattr(paper, name):
            setattr(paper, name, value)
            sources[name] = record.source
    if record.first_submitted and (not paper.first_submitted or record.first_submitted < paper.first_submitted):
        paper.first_submitted = record.first_submitted
    if record.last_updated and (not paper.last_updated or record.last_updated > paper.last_updated):
        paper.last_updated = record.last_updated
    paper.latest_version = max(paper.latest_version or 0, record.latest_version)
    paper.sources = sources
    paper.primary_category = paper.categories[0] if paper.categories else ""
    paper.authors_text = "; ".join(paper.authors).lower()
    return any(getattr(paper, name) != value for name, value in before.items())


def _category_rows(paper: Paper) -> list[PaperCategory]:
    return [
        PaperCategory(paper=paper, category=c, archive=category_archive(c), is_primary=(i == 0))
        for i, c in enumerate(dict.fromkeys(paper.categories))
    ]


def papers_upsert(records: Iterable[PaperRecord]) -> UpsertResult:
    """Store a batch of records (any size; callers send ~1000 at a time) in one transaction."""
    records = list(records)
    for attempt in range(3):
        try:
            return _upsert_batch(records)
        except IntegrityError:
            # Another writer inserted one of these ids meanwhile: re-read and merge again.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


@transaction.atomic
def _upsert_batch(records: list[PaperRecord]) -> UpsertResult:
    result = UpsertResult()
    if not records:
        return result
    ids = {r.arxiv_id for r in records}
    existing = {p.arxiv_id: p for p in Paper.objects.select_for_update().filter(arxiv_id__in=ids)}
    stored_versions: dict[int, dict[int, PaperVersion]] = {}
    for v in PaperVersion.objects.filter(paper__in=list(existing.values())):
        stored_versions.setdefault(v.paper_id, {})[v.version] = v

    papers: dict[str, Paper] = dict(existing)
    changed: set[str] = set()
    categories_changed: set[str] = set()
    versions: dict[str, dict[int, PaperVersion]] = {}
    version_changed: set[str] = set()
    for record in records:
        paper = papers.get(record.arxiv_id)
        if paper is None:
            paper = Paper(arxiv_id=record.arxiv_id, sources={})
            papers[record.arxiv_id] = paper
        old_categories = list(paper.categories)
        if _merge(paper, record):
            changed.add(record.arxiv_id)
        if paper.categories != old_categories:
            categories_changed.add(record.arxiv_id)
        known = versions.setdefault(
            record.arxiv_id, dict(stored_versions.get(paper.pk, {})) if paper.pk else {}
        )
        for v in record.versions:
            current = known.get(v.version)
            if current is None:
                known[v.version] = PaperVersion(version=v.version, submitted=v.submitted, size=v.size)
                version_changed.add(record.arxiv_id)
            elif (v.submitted and not current.submitted) or (v.size and not current.size):
                current.submitted = current.submitted or v.submitted
                current.size = current.size or v.size
                version_changed.add(record.arxiv_id)

    new = [p for p in papers.values() if p.pk is None]
    Paper.objects.bulk_create(new, batch_size=1000)
    if new and any(p.pk is None for p in new):  # backends that do not return ids
        ids_by_arxiv = dict(
            Paper.objects.filter(arxiv_id__in=[p.arxiv_id for p in new]).values_list("arxiv_id", "pk")
        )
        for p in new:
            p.pk = ids_by_arxiv[p.arxiv_id]
    new_ids = {p.arxiv_id for p in new}
    updated = [papers[a] for a in changed - new_ids]
    if updated:
        Paper.objects.bulk_update(updated, UPDATABLE_FIELDS, batch_size=500)

    to_create, to_update = [], []
    for arxiv_id in version_changed:
        for v in versions[arxiv_id].values():
            v.paper = papers[arxiv_id]
            (to_update if v.pk else to_create).append(v)
    PaperVersion.objects.bulk_create(to_create, batch_size=1000)
    if to_update:
        PaperVersion.objects.bulk_update(to_update, ["submitted", "size"], batch_size=500)

    recategorised = [papers[a] for a in categories_changed]
    PaperCategory.objects.filter(paper__in=[p for p in recategorised if p.arxiv_id not in new_ids]).delete()
    PaperCategory.objects.bulk_create(
        [row for p in recategorised for row in _category_rows(p)], batch_size=2000
    )

    result.created = len(new)
    result.updated = len((changed | version_changed) - new_ids)
    result.unchanged = len(papers) - result.created - result.updated
    return result
