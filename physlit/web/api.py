"""JSON API (ARCHITECTURE.md): GET /api/search, GET /api/papers/<arxiv_id>[?embedding=1], GET /api/map;
errors: {"error": ...}, 4xx."""

from django.conf import settings
from django.http import JsonResponse
from django.views.decorators.http import require_GET

from physlit.corpus.selectors import paper_get, papers_by_ids
from physlit.search.corpus_map import corpus_map_get
from physlit.search.embeddings import paper_embedding
from physlit.search.service import SearchUnavailable, known_categories, papers_search, papers_similar
from physlit.summaries.services import papers_briefly, summary_text
from physlit.web.forms import SearchForm

DEFAULT_K = 10
FLAGS = {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}


def error(message: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def paper_brief(paper, score: float | None = None) -> dict:
    """A paper as a search result; `paper` comes with its summary joined (papers_briefly) or not."""
    data = {
        "arxiv_id": paper.arxiv_id,
        "title": paper.title,
        "authors": paper.authors,
        "categories": paper.categories,
        "published": paper.first_submitted.isoformat() if paper.first_submitted else None,
        "summary": summary_text(paper),
    }
    if score is not None:
        data["score"] = round(score, 6)
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
    data = form.cleaned_data
    hits = papers_search(
        query=data["q"],
        k=data.get("k") or DEFAULT_K,
        mode=data.get("mode") or "hybrid",
        filters=form.filters(),
    )
    papers = papers_briefly([h.paper_id for h in hits])
    results = [paper_brief(papers[h.paper_id], h.score) for h in hits if h.paper_id in papers]
    return JsonResponse({"query": data["q"], "results": results})


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
