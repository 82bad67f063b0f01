"""JSON API (ARCHITECTURE.md): GET /api/search, GET /api/papers/<arxiv_id>[?embedding=1],
GET /api/authors/<name>, GET /api/trends, GET /api/map, GET /api/values?q=QUANTITY;
errors: {"error": ...}, 4xx.

/api/search pages with k and offset over every match ("total": papers whose cosine with the query reaches
the match threshold, at most PHYSLIT_SEARCH_MATCH_CAP; with no match, total 0 and the nearest few papers,
each of relevance below 0.5). An empty q with filters lists the papers passing them, newest first.
"""

from dataclasses import asdict
from typing import Any

from django.conf import settings
from django.http import JsonResponse
from django.views.decorators.http import require_GET

from physlit.corpus.selectors import author_profile, paper_get, papers_by_ids, papers_newest, papers_per_month
from physlit.results.services import paper_results, quantity_values
from physlit.search.corpus_map import corpus_map_get
from physlit.search.embeddings import paper_embedding
from physlit.search.service import (
    SearchUnavailable,
    known_categories,
    papers_matching,
    papers_similar,
)
from physlit.search.topics import topic_matches
from physlit.summaries.services import papers_briefly, summary_text
from physlit.text import TextRefused, text_clean
from physlit.web.forms import MAX_K, SearchForm, TrendsForm, ValuesForm

DEFAULT_K = 10
FLAGS = {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}


def error(message: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def paper_brief(paper) -> dict:
    """A paper as a search result; `paper` comes with its summary joined (papers_briefly) or not."""
    data = {
        "arxiv_id": paper.arxiv_id,
        "title": paper.title,
        "authors": paper.authors,
        "categories": paper.categories,
        "published": paper.first_submitted.isoformat() if paper.first_submitted else None,
        "summary": summary_text(paper),
    }
    return data


@require_GET
def search(request):
    try:
        categories = known_categories()
    except SearchUnavailable as exc:
        return error(str(exc), status=503)
    form = SearchForm(request.GET, known_categories=categories)
    if not form.is_valid():
        return error(form.error_message())
    data, filters = form.cleaned_data, form.filters()
    start = data.get("offset") or 0
    end = start + (data.get("k") or DEFAULT_K)
    ranked: list[tuple[Any, float | None, float | None]]  # (paper, score, relevance)
    read_as = ""  # the query as searched (a query in Chinese: the English terms the glossary found in it)
    if not data["q"]:  # the newest papers passing the filters
        if not filters.active:
            return error("q: give a query, or a filter (category, date_from, date_to, author)")
        newest = papers_newest(**asdict(filters))
        pks = list(newest.values_list("pk", flat=True)[start:end])
        papers = papers_briefly(pks)
        ranked = [(papers[pk], None, None) for pk in pks if pk in papers]
        total = newest.count()
    else:
        found = papers_matching(
            query=data["q"],
            mode=data.get("mode") or "hybrid",
            filters=filters,
            sort=data.get("sort") or "relevance",
        )
        hits = found.hits[start:end]
        papers = papers_briefly([h.paper_id for h in hits])
        ranked = [(papers[h.paper_id], h.score, h.relevance) for h in hits if h.paper_id in papers]
        total, read_as = found.total, found.read_as
    results = [
        {**paper_brief(paper), "score": _rounded(score), "relevance": _rounded(relevance)}
        for paper, score, relevance in ranked
    ]
    return JsonResponse({"query": data["q"], "read_as": read_as, "total": total, "results": results})


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


@require_GET
def paper(request, arxiv_id: str):
    embedding = FLAGS.get(request.GET.get("embedding", "0").strip().lower())
    if embedding is None:
        return error("embedding must be 1 or 0 (or true / false)")
    paper = paper_get(arxiv_id)
    if paper is None:
        return error(f"no paper {arxiv_id} in this library", status=404)
    try:
        similar = papers_similar(paper_id=paper.pk, k=settings.PHYSLIT_SIMILAR_K)
    except SearchUnavailable:
        similar = []
    similar_ids = papers_by_ids([h.paper_id for h in similar])
    data = paper_brief(paper)
    data.update(
        abstract=paper.abstract,
        comments=paper.comments,
        journal_ref=paper.journal_ref,
        doi=paper.doi,
        license=paper.license,
        primary_category=paper.primary_category,
        updated=paper.last_updated.isoformat() if paper.last_updated else None,
        versions=[
            {"version": v.version, "submitted": v.submitted.isoformat() if v.submitted else None}
            for v in paper.versions.all()
        ],
        abs_url=paper.abs_url,
        pdf_url=paper.pdf_url,
        similar=[similar_ids[h.paper_id].arxiv_id for h in similar if h.paper_id in similar_ids],
        results=paper_results(paper),
    )
    if embedding:
        stored = paper_embedding(paper_id=paper.pk)
        data["embedding"] = None if stored.vector is None else stored.vector.tolist()
        data["encoder"] = stored.encoder
        if stored.reason:
            data["embedding_reason"] = stored.reason
    return JsonResponse(data)


@require_GET
def corpus_map(request):
    """The corpus map's points (at most MAP_POINTS); 503 while it is being computed."""
    data = corpus_map_get()
    if data is None:
        response = error("the corpus map is being computed; try again in a minute", status=503)
        response["Retry-After"] = "60"
        return response
    return JsonResponse(data)


@require_GET
def author(request, name: str):
    """The author's papers newest first (`k`, default 10, from `offset`), with `total`, co-authors and
    categories counted over all their papers."""
    try:
        name = text_clean(name, field="author")
        k = int(request.GET.get("k") or DEFAULT_K)
        offset = int(request.GET.get("offset") or 0)
    except (TextRefused, ValueError) as exc:
        return error(str(exc))
    if not (1 <= k <= MAX_K and offset >= 0):
        return error(f"k must be 1 to {MAX_K} and offset at least 0")
    profile = author_profile(name)
    if profile is None:
        return error(f"no author named {name!r} in this library", status=404)
    ids = list(profile.papers.values_list("pk", flat=True)[offset : offset + k])
    papers = papers_briefly(ids)
    return JsonResponse(
        {
            "name": profile.name,
            "total": profile.papers.count(),
            "papers": [paper_brief(papers[pk]) for pk in ids if pk in papers],
            "coauthors": [{"name": n, "papers": count} for n, count in profile.coauthors],
            "categories": [{"category": c, "papers": count} for c, count in profile.categories],
        }
    )


@require_GET
def trends(request):
    """Papers per month of a query's relevant matches, or of every paper filed under a category."""
    categories = None
    if (request.GET.get("q") or "").strip():
        try:
            categories = known_categories()
        except SearchUnavailable as exc:
            return error(str(exc), status=503)
    form = TrendsForm(request.GET, known_categories=categories)
    if not form.is_valid():
        return error(form.error_message())
    data = form.cleaned_data
    if data["q"]:
        ids = topic_matches(query=data["q"], filters=form.filters(), mode=data.get("mode") or "hybrid")
        months = papers_per_month(ids=ids)
    else:
        months = papers_per_month(category=data["category"])
        if not months:
            return error(f"category: unknown category {data['category']!r}")
    return JsonResponse({"months": [{"month": month, "count": count} for month, count in months]})


@require_GET
def values(request):
    """The reported values of the quantity `q` names ("Hubble constant measurements"), oldest first; an
    unknown quantity has none."""
    form = ValuesForm(request.GET)
    if not form.is_valid():
        return error(form.error_message())
    key, found = quantity_values(form.cleaned_data["q"])
    return JsonResponse(
        {
            "query": form.cleaned_data["q"],
            "quantity": key,
            "values": [
                {
                    "arxiv_id": v.arxiv_id,
                    "title": v.title,
                    "published": v.published.isoformat() if v.published else None,
                    "quantity": v.quantity,
                    "value": v.value,
                    "unit": v.unit,
                    "kind": v.kind,
                    "number": v.number,
                    "error": v.error,
                    "text": v.text,
                }
                for v in found
            ],
        }
    )
