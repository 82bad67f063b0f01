"""Web pages: search (or the newest papers) with filters, one paper's page, an author's page, one quantity's
reported values over time, and BibTeX downloads. Thin: logic is in stages."""

from dataclasses import asdict

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse

from physlit.classify.services import cross_lists_suggested, pasted_abstract_categories
from physlit.corpus.selectors import (
    author_profile,
    categories_with_counts,
    paper_get,
    papers_by_ids,
    papers_newest,
    papers_per_month,
)
from physlit.results.services import quantity_offer, quantity_values
from physlit.search.corpus_map import corpus_map_get
from physlit.search.service import (
    MODES,
    SearchUnavailable,
    index_progress,
    known_categories,
    papers_matching,
    papers_similar,
)
from physlit.summaries.services import summary_for
from physlit.text import TextRefused, text_clean
from physlit.web.bibtex import paper_bibtex
from physlit.web.feeds import category_feed_url, search_feed_url
from physlit.web.forms import MAX_QUANTITY_CHARS, SearchForm, ValuesForm
from physlit.web.snippets import snippet
from physlit.web.trends import trend_chart
from physlit.web.values_plot import KIND_LABELS, quantity_name, value_tex, values_plot


def paper_list(request):
    """The newest papers passing the filters, or, with a query, its matches."""
    params = request.GET.copy()
    if not params.get("category") and params.get("archive"):  # links from the former archive menu
        params["category"] = params["archive"]
    if params.get("q", "").strip():
        return search_page(request, params)
    form = SearchForm(params)  # no category check: an unknown one gets its own notice below
    context = {"archives": categories_with_counts(), "modes": MODES, "params": params}
    if not form.is_valid():
        return render(
            request, "web/paper_list.html", {**context, "form_error": form.error_message()}, status=400
        )
    filters = form.filters()
    papers = papers_newest(**asdict(filters))  # the form refused NUL, which PostgreSQL refuses in text
    page = Paginator(papers, settings.PHYSLIT_PAGE_SIZE).get_page(request.GET.get("page"))
    category = filters.category or ""
    followed = bool(category) and page.paginator.count > 0
    return render(
        request,
        "web/paper_list.html",
        {
            **context,
            "page": page,
            "category": category,
            "filtered": filters.active,
            "filters_open": filters.active,
            "unknown_category": _category_unknown(category) if not page.paginator.count else False,
            "index_progress": index_progress(),
            "feed_url": category_feed_url(category) if followed else "",
            "trend": trend_chart(papers_per_month(category=category)) if followed else None,
        },
    )


def _category_unknown(category: str) -> bool:
    """No paper at all is filed under `category` (set)."""
    return bool(category) and not papers_newest(category=category).exists()


def search_page(request, params):
    context = {"archives": categories_with_counts(), "modes": MODES, "params": params}
    try:
        categories = known_categories()
    except SearchUnavailable as exc:
        return render(request, "web/search.html", {**context, "unavailable": str(exc)}, status=503)
    form = SearchForm(params, known_categories=categories)
    if not form.is_valid():
        return render(request, "web/search.html", {**context, "form_error": form.error_message()}, status=400)
    data, filters = form.cleaned_data, form.filters()
    mode, sort = data.get("mode") or "hybrid", data.get("sort") or "relevance"
    found = papers_matching(query=data["q"], mode=mode, filters=filters, sort=sort)
    page = Paginator(found.hits, settings.PHYSLIT_PAGE_SIZE).get_page(request.GET.get("page"))
    # Only the papers shown are read and get a snippet.
    papers = papers_by_ids([h.paper_id for h in page.object_list])
    summaries = summary_for(papers.values())
    page.object_list = [
        {
            "paper": papers[h.paper_id],
            "score": h.score,
            "relevance": h.relevance,
            "snippet": snippet(papers[h.paper_id].abstract, found.read_as),
            "summary": summaries.get(h.paper_id),
        }
        for h in page.object_list
        if h.paper_id in papers
    ]
    return render(
        request,
        "web/search.html",
        {
            **context,
            "page": page,
            "query": data["q"],
            # A query in Chinese is searched as its English terms: the page says so.
            "read_as": found.read_as if found.read_as != data["q"] else "",
            "found": found,
            "sort": sort,
            "filtered": filters.active,
            # The panel opens only when something in it is set: a filter or a ranking other than the default.
            "filters_open": filters.active or mode != "hybrid",
            # Following the topic: its Atom feed, and papers per month over all its matches.
            "feed_url": search_feed_url(params),
            "suggested_categories": pasted_abstract_categories(data["q"]),
            "trend": None if found.weak else trend_chart(papers_per_month(ids=found.ids())),
            # A query naming a quantity with reported values ("Hubble constant measurements"): offer them.
            "values_offer": quantity_offer(data["q"]) if len(data["q"]) <= MAX_QUANTITY_CHARS else None,
        },
    )


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
            "cross_lists": cross_lists_suggested(paper.title, paper.abstract, paper.categories),
            "results": [
                {
                    "quantity": r.quantity,
                    "key": r.quantity_key,
                    "value": value_tex(r.value, r.unit),
                    "kind": r.get_kind_display(),
                    "text": r.text,
                }
                for r in paper.results.all()
            ],
        },
    )


def values_page(request):
    """`/values?q=Hubble+constant`: the values the papers report for one quantity, plotted over time and
    listed oldest first."""
    if not request.GET.get("q", "").strip():
        return render(request, "web/values.html", {"query": ""})
    form = ValuesForm(request.GET)
    if not form.is_valid():
        return render(request, "web/values.html", {"form_error": form.error_message()}, status=400)
    query = form.cleaned_data["q"]
    key, values = quantity_values(query)
    rows = [
        {
            "published": v.published,
            "value": value_tex(v.value, v.unit),
            "kind": KIND_LABELS.get(v.kind, v.kind),
            "arxiv_id": v.arxiv_id,
            "title": v.title,
            "text": v.text,
        }
        for v in values
    ]
    context = {"query": query, "key": key, "name": quantity_name(values) or query, "rows": rows}
    return render(request, "web/values.html", {**context, "plot": values_plot(values)})


def paper_bibtex_download(request, arxiv_id: str):
    paper = paper_get(arxiv_id)
    if paper is None:
        return HttpResponse(f"no paper {arxiv_id} in this library\n", status=404, content_type="text/plain")
    response = HttpResponse(paper_bibtex(paper), content_type="application/x-bibtex; charset=utf-8")
    filename = paper.arxiv_id.replace("/", "_")
    response["Content-Disposition"] = f'inline; filename="{filename}.bib"'
    return response


def results_bibtex(request):
    """`/bibtex?q=...&<the search's filters>&page=N`: one .bib file of the results that page shows."""
    try:
        categories = known_categories()
    except SearchUnavailable as exc:
        return HttpResponse(f"search is not ready yet: {exc}\n", status=503, content_type="text/plain")
    form = SearchForm(request.GET, known_categories=categories)
    if not form.is_valid():
        return HttpResponse(f"{form.error_message()}\n", status=400, content_type="text/plain")
    data = form.cleaned_data
    if not data["q"]:
        return HttpResponse("q: give the search's query\n", status=400, content_type="text/plain")
    found = papers_matching(
        query=data["q"],
        mode=data.get("mode") or "hybrid",
        filters=form.filters(),
        sort=data.get("sort") or "relevance",
    )
    page = Paginator(found.hits, settings.PHYSLIT_PAGE_SIZE).get_page(request.GET.get("page"))
    papers = papers_by_ids([h.paper_id for h in page.object_list])
    entries = [paper_bibtex(papers[h.paper_id]) for h in page.object_list if h.paper_id in papers]
    response = HttpResponse("\n".join(entries), content_type="application/x-bibtex; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="physlit-results-{page.number}.bib"'
    return response


def author_detail(request, name: str):
    """An author's papers (newest first), co-authors and categories; names match whole, in any case."""
    try:
        name = text_clean(name, field="author")
    except TextRefused as exc:
        return render(request, "404.html", {"message": str(exc)}, status=400)
    profile = author_profile(name)
    if profile is None:
        message = (
            f"No paper in this library has an author named “{name}”. Author pages match whole names as the "
            "papers spell them; the Author filter of a search also finds parts of names."
        )
        return render(request, "404.html", {"message": message}, status=404)
    if profile.name != name:  # TeX accents or another case in the URL: one page per author
        return redirect("web:author", name=profile.name, permanent=True)
    page = Paginator(profile.papers, settings.PHYSLIT_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "web/author.html", {"author": profile, "page": page})


def favicon(request):
    # Browsers ask for /favicon.ico whatever the page links; the icon is a static SVG.
    return redirect(static("favicon.svg"), permanent=True)


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
