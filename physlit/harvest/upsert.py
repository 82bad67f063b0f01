"""The one write path into the corpus: merge PaperRecords into Paper rows idempotently, in bulk.

Rules: a record seen twice changes nothing; a fresher record (higher version, or later update date)
overwrites the fields it carries; an older or partial record only fills fields that are still empty.
Versions are a union; categories keep the primary one first.
"""

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone

from physlit.corpus.categories import category_archive
from physlit.corpus.models import Paper, PaperCategory, PaperVersion
from physlit.harvest.records import PaperRecord, VersionRecord

# Scalar text fields merged by the freshness rule.
TEXT_FIELDS = (
    "title",
    "abstract",
    "comments",
    "journal_ref",
    "doi",
    "report_no",
    "license",
    "submitter",
)
LIST_FIELDS = ("authors", "categories")
UPDATABLE_FIELDS = (
    *TEXT_FIELDS,
    *LIST_FIELDS,
    "authors_text",
    "primary_category",
    "first_submitted",
    "last_updated",
    "latest_version",
    "sources",
)

# The longest value each field takes (None: unbounded): longer values are cut rather than let one
# record fail its whole batch on PostgreSQL.
MAX_LENGTHS = {name: Paper._meta.get_field(name).max_length for name in TEXT_FIELDS}
MAX_CATEGORY = PaperCategory._meta.get_field("category").max_length
MAX_SIZE = PaperVersion._meta.get_field("size").max_length

# New version and category rows are written as plain tuples in this column order.
VERSION_COLUMNS = ("paper_id", "version", "submitted", "size")
CATEGORY_COLUMNS = ("paper_id", "category", "archive", "is_primary")


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


def _freshness(latest_version: int, last_updated: date | None) -> tuple[date, int]:
    # The date of the latest version comes first: every source knows it, while the arXiv OAI format
    # carries no version numbers (only "created" and "updated").
    return last_updated or date.min, latest_version


def _merge(paper: Paper, record: PaperRecord) -> bool:
    """Merge one record into an (unsaved or saved) Paper in memory; True if anything changed."""
    before = {name: getattr(paper, name) for name in UPDATABLE_FIELDS}
    fresher = _freshness(record.latest_version, record.last_updated) >= _freshness(
        paper.latest_version, paper.last_updated
    )
    sources = dict(paper.sources or {})
    for name in (*TEXT_FIELDS, *LIST_FIELDS):
        value = getattr(record, name)
        if name == "categories":
            # Longer than any real category (and than the column): junk tokens.
            value = [c for c in value if len(c) <= MAX_CATEGORY]
        elif MAX_LENGTHS.get(name):
            value = value[: MAX_LENGTHS[name]]
        if value and (fresher or not getattr(paper, name)) and value != getattr(paper, name):
            setattr(paper, name, value)
            sources[name] = record.source
    first = record.first_submitted
    if first and (not paper.first_submitted or first < paper.first_submitted):
        paper.first_submitted = record.first_submitted
    if record.last_updated and (not paper.last_updated or record.last_updated > paper.last_updated):
        paper.last_updated = record.last_updated
    paper.latest_version = max(paper.latest_version or 0, record.latest_version)
    paper.sources = sources
    paper.primary_category = paper.categories[0] if paper.categories else ""
    paper.authors_text = "; ".join(paper.authors).lower()
    return any(getattr(paper, name) != value for name, value in before.items())


def _category_rows(paper: Paper) -> list[tuple]:
    return [(paper.pk, c, category_archive(c), i == 0) for i, c in enumerate(dict.fromkeys(paper.categories))]


def _bulk_insert(model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence]) -> None:
    """Insert rows (values in `columns` order, by attname) without saving pks back: COPY on PostgreSQL,
    several times faster than bulk_create with no model instances to build; bulk_create elsewhere.
    """
    if not rows:
        return
    if connection.vendor != "postgresql":
        objs = [model(**dict(zip(columns, row, strict=True))) for row in rows]
        model.objects.bulk_create(objs, batch_size=1000)
        return
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    # Columns the caller left out get their model default, as bulk_create would give them.
    missing = [f for f in model._meta.concrete_fields if not f.primary_key and f.attname not in columns]
    fields = [by_attname[c] for c in columns] + missing
    defaults = [f.get_default() for f in missing]
    quote = connection.ops.quote_name
    table, names = quote(model._meta.db_table), ", ".join(quote(f.column) for f in fields)
    # The corpus models hold plain str/int/bool/date/aware-datetime values that psycopg dumps as they
    # are; only JSON needs encoding. Field.get_db_prep_save per value would cost more than the COPY.
    json_at = [i for i, f in enumerate(fields) if isinstance(f, models.JSONField)]
    # wrap_database_errors turns psycopg's UniqueViolation into the IntegrityError papers_upsert retries on.
    with (
        connection.wrap_database_errors,
        connection.cursor() as cursor,
        cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
    ):
        for row in rows:
            row = [*row, *defaults]
            for i in json_at:
                row[i] = json.dumps(row[i], cls=fields[i].encoder)
            copy.write_row(row)


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
    versions: dict[str, dict[int, PaperVersion | VersionRecord]] = {}
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
            size = v.size[:MAX_SIZE]
            current = known.get(v.version)
            if current is None:
                # A plain record until it is written: model instances cost more than the insert.
                known[v.version] = VersionRecord(v.version, v.submitted, size)
                version_changed.add(record.arxiv_id)
            elif (v.submitted and not current.submitted) or (size and not current.size):
                current.submitted = current.submitted or v.submitted
                current.size = current.size or size
                version_changed.add(record.arxiv_id)

    new = [p for p in papers.values() if p.pk is None]
    fields = [f for f in Paper._meta.concrete_fields if not f.primary_key]
    # pre_save fills created_at/updated_at, as bulk_create would.
    rows = [[f.pre_save(p, True) for f in fields] for p in new]
    _bulk_insert(Paper, [f.attname for f in fields], rows)
    if new:
        ids_by_arxiv = dict(
            Paper.objects.filter(arxiv_id__in=[p.arxiv_id for p in new]).values_list("arxiv_id", "pk")
        )
        for p in new:
            p.pk = ids_by_arxiv[p.arxiv_id]
    new_ids = {p.arxiv_id for p in new}
    updated = [papers[a] for a in changed - new_ids]
    if updated:
        # bulk_update skips auto_now; the index build finds revised papers by updated_at.
        now = timezone.now()
        for paper in updated:
            paper.updated_at = now
        Paper.objects.bulk_update(updated, [*UPDATABLE_FIELDS, "updated_at"], batch_size=500)

    to_create, to_update = [], []
    for arxiv_id in version_changed:
        paper_id = papers[arxiv_id].pk
        for v in versions[arxiv_id].values():
            if isinstance(v, PaperVersion):
                to_update.append(v)
            else:
                to_create.append((paper_id, v.version, v.submitted, v.size))
    _bulk_insert(PaperVersion, VERSION_COLUMNS, to_create)
    if to_update:
        PaperVersion.objects.bulk_update(to_update, ["submitted", "size"], batch_size=500)

    recategorised = [papers[a] for a in categories_changed]
    PaperCategory.objects.filter(paper__in=[p for p in recategorised if p.arxiv_id not in new_ids]).delete()
    _bulk_insert(PaperCategory, CATEGORY_COLUMNS, [row for p in recategorised for row in _category_rows(p)])

    result.created = len(new)
    result.updated = len((changed | version_changed) - new_ids)
    result.unchanged = len(papers) - result.created - result.updated
    return result
