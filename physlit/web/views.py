"""Web pages: search (or the newest papers) with filters, and one paper's page. Thin: logic is in stages."""

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from physlit.corpus.selectors import categories_with_counts, paper_get, papers_by_ids, papers_newest
from physlit.search.corpus_map import corpus_map_get
from physlit.search.service import (
    MODES,
    SearchUnavailable,
    index_progress,
    known_categories,
    papers_search,
    papers_similar,
)
from physlit.summaries.services import summary_for
from physlit.web.bibtex import paper_bibtex
from physlit.web.forms import MAX_K, SearchForm
from physlit.web.snippets import snippet


def paper_list(request):
    if request.GET.get("q", "").strip():
        return search_page(request)
    # The free-text sub-category wins over the archive menu; links (badges, pages) only send `category`.
    category = (request.GET.get("category") or "").strip() or (request.GET.get("archive") or "").strip()
    papers = papers_newest(category=category)
    if "\x00" in category:  # PostgreSQL refuses NUL in text; no category contains one.
        papers = papers.none()
    page = Paginator(papers, settings.PHYSLIT_PAGE_SIZE).get_page(request.GET.get("page"))
    archives = categories_with_counts()
    is_archive = category in {name for name, _ in archives}
    return render(
        request,
        "web/paper_list.html",
        {
            "page": page,
            "category": category,
            "archives": archives,
            "selected_archive": category if is_archive else "",
            "subcategory": "" if is_archive else category,
            "unknown_category": bool(category) and page.paginator.count == 0,
            "modes": MODES,
            "index_progress": index_progress(),
        },
    )


def search_page(request):
    context = {"archives": categories_with_counts(), "modes": MODES, "params": request.GET}
    try:
        categories = known_categories()
    except SearchUnavailable as exc:
        return render(request, "web/search.html", {**context, "unavailable": str(exc)}, status=503)
    form = SearchForm(request.GET, known_categories=categories)
    if not form.is_valid():
        return render(request, "web/search.html", {**context, "form_error": form.error_message()}, status=400)
    query = form.cleaned_data["q"]
    hits = papers_search(
        query=query, k=MAX_K, mode=form.cleaned_data.get("mode") or "hybrid", filters=form.filters()
    )
    page = Paginator(hits, settings.PHYSLIT_PAGE_SIZE).get_page(request.GET.get("page"))
    # Only the papers shown are read and get a snippet.
    papers = papers_by_ids([h.paper_id for h in page.object_list])
    summaries = summary_for(papers.values())
    page.object_list = [
        {
            "paper": papers[h.paper_id],
            "score": h.score,
            "snippet": snippet(papers[h.paper_id].abstract, query),
            "summary": summaries.get(h.paper_id),
        }
        for h in page.object_list
        if h.paper_id in papers
    ]
    return render(request, "web/search.html", {**context, "page": page, "query": query})


def paper_detail(request, arxiv_id: str):
    paper = paper_get(arxiv_id)
    if paper is None:
        message = f"There is no paper {arxiv_id} in this library (yet)."
        return render(request, "404.html", {"message": message, "arxiv_id": arxiv_id}, status=404)
    if paper.arxiv_id != arxiv_id:  # a versioned id: one page per paper
        return redirect("web:paper_detail", arxiv_id=paper.arxiv_id, permanent=True)
    try:
        similar_hits = papers_similar(paper_id=paper.pk, k=settings.PHYSLIT_SIMILAR_K)
    except SearchUnavailable:
        similar_hits = []
    similar_papers = papers_by_ids([h.paper_id for h in similar_hits])
    similar = [similar_papers[h.paper_id] for h in similar_hits if h.paper_id in similar_papers]
    # arXiv's doi field may hold several DOIs separated by spaces.
    return render(
        request,
        "web/paper_detail.html",
        {
            "paper": paper,
            "dois": paper.doi.split(),
            "similar": similar,
            "bibtex": paper_bibtex(paper),
            "summary": summary_for([paper]).get(paper.pk),
        },
    )


def paper_bibtex_download(request, arxiv_id: str):
    paper = paper_get(arxiv_id)
    if paper is None:
        return HttpResponse(f"no paper {arxiv_id} in this library\n", status=404, content_type="text/plain")
    response = HttpResponse(paper_bibtex(paper), content_type="application/x-bibtex; charset=utf-8")
    filename = paper.arxiv_id.replace("/", "_")
    response["Content-Disposition"] = f'inline; filename="{filename}.bib"'
    return response


def corpus_map(request):
    """The corpus map page: static/js/map.js draws /api/map's points; a notice until the map exists."""
    data = corpus_map_get()
    # Paper links for the script: the URL of a placeholder id with the id cut off.
    placeholder = "0000.00000"
    return render(
        request,
        "web/map.html",
        {
            "map": None if data is None else {k: data[k] for k in ("index", "count", "shown")},
            "index_progress": index_progress(),
            "paper_url": reverse("web:paper_detail", args=[placeholder]).removesuffix(placeholder),
            "api_paper_url": reverse("web:api_paper", args=[placeholder]).removesuffix(placeholder),
        },
    )
