"""Read-only corpus queries shared by every stage: newest papers by filters, papers by id, archive counts,
an author's papers, co-authors and categories, papers per month (trends).

Writes go through physlit.harvest.upsert; nothing here changes a row.
"""

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from urllib.parse import quote

from django.core.cache import cache
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import TruncMonth

from physlit.corpus.categories import PHYSICS_ARCHIVES
from physlit.corpus.models import Paper, PaperCategory
from physlit.text import author_normalize, normalize

# "2401.01234v2" -> "2401.01234". Full id parsing lives in physlit.harvest.records.split_arxiv_id;
# the corpus may not import harvest, and a lookup by the unique id rejects anything else anyway.
_VERSION_SUFFIX = re.compile(r"v\d+$")
ARCHIVE_COUNTS_CACHE_KEY = "physlit:corpus:archive-counts"
ARCHIVE_COUNTS_CACHE_SECONDS = 600
MONTH_COUNTS_CACHE_KEY = "physlit:corpus:month-counts"


def papers_newest(
    *,
    category: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    author: str | None = None,
) -> QuerySet[Paper]:
    """Dated papers newest first (by v1 date, then id); `category` is an archive ("cond-mat") or a
    sub-category ("cond-mat.str-el") and matches cross-lists as well as primary categories; the dates bound
    the first submission; `author` is a substring of an author's name, case-insensitive (as search filters
    read them)."""
    # Undated papers (a handful, from partial sources) have no place in a by-date list; leaving them out
    # also lets PostgreSQL walk the paper_newest index (DESC NULLS FIRST) instead of sorting every paper.
    papers = Paper.objects.filter(first_submitted__isnull=False)
    category = (category or "").strip()
    if category:
        # Archives never contain a dot, so a dotted name can only be a sub-category.
        field = "category" if "." in category else "archive"
        rows = PaperCategory.objects.filter(paper=OuterRef("pk"), **{field: category})
        papers = papers.filter(Exists(rows))
    if date_from:
        papers = papers.filter(first_submitted__gte=date_from)
    if date_to:
        papers = papers.filter(first_submitted__lte=date_to)
    if author:
        papers = papers.filter(authors_text__icontains=normalize(author).lower())  # authors_text is NFC
    return papers.order_by("-first_submitted", "-id")


def paper_get(arxiv_id: str) -> Paper | None:
    """The paper with this arXiv id ("2401.01234", "hep-th/9901001", a version suffix is ignored)."""
    canonical = _VERSION_SUFFIX.sub("", (arxiv_id or "").strip())
    return Paper.objects.filter(arxiv_id=canonical).prefetch_related("versions").first()


def papers_by_ids(ids: Iterable[int]) -> dict[int, Paper]:
    """{primary key: Paper} for the given keys (search hits, similar papers); missing keys are left out."""
    return Paper.objects.in_bulk(list(ids))


def categories_with_counts() -> list[tuple[str, int]]:
    """[(archive, number of papers filed under it, cross-lists included), ...] in name order.

    Lists the physics archives present and any archive that is some paper's primary one: harvested
    category lists carry stray tokens (MSC codes, words), and those are never listed first.
    Cached for a few minutes: it reads every category row (~0.1 s at 83k papers) for a menu.
    """
    return cache.get_or_set(ARCHIVE_COUNTS_CACHE_KEY, _archive_counts, ARCHIVE_COUNTS_CACHE_SECONDS)


def _archive_counts() -> list[tuple[str, int]]:
    rows = (
        PaperCategory.objects.values("archive")
        .annotate(papers=Count("paper", distinct=True), primaries=Count("pk", filter=Q(is_primary=True)))
        .filter(Q(primaries__gt=0) | Q(archive__in=PHYSICS_ARCHIVES))
        .order_by("archive")
        .values_list("archive", "papers")
    )
    return list(rows)


@dataclass
class AuthorProfile:
    name: str  # as the newest paper spells it
    papers: QuerySet[Paper]  # newest first
    coauthors: list[tuple[str, int]]  # (name, papers together), most first
    categories: list[tuple[str, int]]  # (category, papers), most first


def author_papers(name: str) -> QuerySet[Paper]:
    """Papers with an author named exactly `name` (normalised as harvest does, any case), newest first."""
    key = author_normalize(name).lower()
    # authors_text is the lower-cased names joined by "; " (harvest.upsert): match one whole name.
    pattern = rf"(^|; ){re.escape(key)}(; |$)"
    papers = Paper.objects.filter(authors_text__regex=pattern)
    return papers.order_by(F("first_submitted").desc(nulls_last=True), "-id")


def author_profile(name: str) -> AuthorProfile | None:
    """The author's papers with co-authors and categories counted over all of them; None for no paper."""
    key = author_normalize(name).lower()
    papers = author_papers(name)
    spelled = ""
    coauthors: Counter[str] = Counter()
    categories: Counter[str] = Counter()
    for authors, paper_categories in papers.values_list("authors", "categories"):
        for author in dict.fromkeys(authors):
            if author.lower() == key:
                spelled = spelled or author
            else:
                coauthors[author] += 1
        categories.update(set(paper_categories))
    if not spelled:
        return None
    return AuthorProfile(
        name=spelled,
        papers=papers,
        coauthors=sorted(coauthors.items(), key=lambda item: (-item[1], item[0])),
        categories=sorted(categories.items(), key=lambda item: (-item[1], item[0])),
    )


def papers_per_month(
    *, ids: Iterable[int] | None = None, category: str | None = None
) -> list[tuple[str, int]]:
    """[("2024-05", 12), ...]: dated papers per month of first submission, oldest month first, every month
    from the first to the last present (zero where none). Counts the papers with these primary keys (a
    query's matches) or, without `ids`, every paper filed under `category` (as papers_newest matches it).

    A whole category's counts are cached for a few minutes, like the archive menu: they read every paper
    filed under it (~30k for hep-th), for a chart on each of its pages.
    """
    if ids is not None:
        return _months(papers_newest(category=category).filter(pk__in=list(ids)))
    key = f"{MONTH_COUNTS_CACHE_KEY}:{quote(category or '')}"
    return cache.get_or_set(
        key, lambda: _months(papers_newest(category=category)), ARCHIVE_COUNTS_CACHE_SECONDS
    )


def _months(papers: QuerySet[Paper]) -> list[tuple[str, int]]:
    rows = (
        papers.order_by()
        .annotate(month=TruncMonth("first_submitted"))
        .values("month")
        .annotate(n=Count("pk"))
        .values_list("month", "n")
    )
    counts = {(m.year, m.month): n for m, n in rows}
    if not counts:
        return []
    (year, month), last = min(counts), max(counts)
    months = []
    while (year, month) <= last:
        months.append((f"{year:04d}-{month:02d}", counts.get((year, month), 0)))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months
