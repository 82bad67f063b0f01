"""Atom feeds of followed topics (django.contrib.syndication): a search's newest relevant matches at
/feeds/search.atom?q=...&category=..., and a category's newest papers at /feeds/category/<category>.atom.

Entries: id the arXiv abs URL, the paper's title, every author, published (v1) and updated dates, the abstract
as summary, and a link to the paper's page here. A bad search is a plain-text 400; an empty category a 404.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from urllib.parse import urlencode

from django.contrib.syndication.views import Feed
from django.http import Http404, HttpResponse, QueryDict
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape

from physlit.corpus.models import Paper
from physlit.corpus.selectors import papers_newest
from physlit.search.service import SearchUnavailable, known_categories
from physlit.search.topics import FEED_ENTRIES, topic_newest
from physlit.web.forms import SearchForm

# The search parameters a followed search keeps (paging and k are not part of a topic).
TOPIC_PARAMS = ("q", "category", "date_from", "date_to", "author", "mode")


def topic_query(params: QueryDict) -> str:
    """The query string of a search as a topic: its non-empty TOPIC_PARAMS, in that order."""
    return urlencode([(name, params[name]) for name in TOPIC_PARAMS if params.get(name, "").strip()])


def search_feed_url(params: QueryDict) -> str:
    return f"{reverse('web:feed_search')}?{topic_query(params)}"


def category_feed_url(category: str) -> str:
    return reverse("web:feed_category", args=[category])


class FeedRefused(Exception):
    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Topic:
    title: str
    link: str  # the page showing the same papers
    feed_url: str
    papers: list[Paper]


class PaperAtom(Atom1Feed):
    """Atom 1.0 naming every author of a paper (Django's generator writes at most one per entry)."""

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        for name in item["authors"]:
            handler.startElement("author", {})
            handler.addQuickElement("name", name)
            handler.endElement("author")


def _day(value: date | None) -> datetime | None:
    return None if value is None else datetime(value.year, value.month, value.day, tzinfo=UTC)


class PapersFeed(Feed):
    feed_type = PaperAtom
    author_name = "physlit"  # Atom wants an author on a feed whose entries may lack one

    def __call__(self, request, *args, **kwargs):
        try:
            return super().__call__(request, *args, **kwargs)
        except FeedRefused as exc:
            return HttpResponse(f"{exc}\n", status=exc.status, content_type="text/plain; charset=utf-8")

    def title(self, topic: Topic) -> str:
        return topic.title

    def link(self, topic: Topic) -> str:
        return topic.link

    def feed_url(self, topic: Topic) -> str:
        return topic.feed_url

    def items(self, topic: Topic) -> list[Paper]:
        return topic.papers

    def item_title(self, paper: Paper) -> str:
        return paper.title or "(untitled)"

    def item_description(self, paper: Paper) -> str:
        return escape(paper.abstract)  # Atom's summary is type="html"; an abstract is plain text with TeX

    def item_link(self, paper: Paper) -> str:
        return reverse("web:paper_detail", args=[paper.arxiv_id])

    def item_guid(self, paper: Paper) -> str:
        return paper.abs_url

    def item_pubdate(self, paper: Paper) -> datetime | None:
        return _day(paper.first_submitted)

    def item_updateddate(self, paper: Paper) -> datetime | None:
        return _day(paper.last_updated or paper.first_submitted)

    def item_categories(self, paper: Paper) -> list[str]:
        return paper.categories

    def item_extra_kwargs(self, paper: Paper) -> dict:
        return {"authors": paper.authors}


class SearchFeed(PapersFeed):
    def get_object(self, request) -> Topic:
        try:
            categories = known_categories()
        except SearchUnavailable as exc:
            raise FeedRefused(str(exc), 503) from exc
        form = SearchForm(request.GET, known_categories=categories)
        if not form.is_valid():
            raise FeedRefused(form.error_message(), 400)
        data = form.cleaned_data
        if not data["q"]:
            message = "q: give a query (a category alone has its feed: /feeds/category/<category>.atom)"
            raise FeedRefused(message, 400)
        papers = topic_newest(query=data["q"], filters=form.filters(), mode=data.get("mode") or "hybrid")
        where = [f"in {data['category']}"] if data.get("category") else []
        where += [f"by {data['author']}"] if data.get("author") else []
        return Topic(
            title=" ".join([f"physlit: “{data['q']}”", *where]),
            link=f"{reverse('web:paper_list')}?{topic_query(request.GET)}",
            feed_url=search_feed_url(request.GET),
            papers=papers,
        )


class CategoryFeed(PapersFeed):
    def get_object(self, request, category: str) -> Topic:
        papers = [] if "\x00" in category else list(papers_newest(category=category)[:FEED_ENTRIES])
        if not papers:
            raise Http404(f"No papers are filed under the category {category}.")
        return Topic(
            title=f"physlit: newest in {category}",
            link=f"{reverse('web:paper_list')}?{urlencode({'category': category})}",
            feed_url=category_feed_url(category),
            papers=papers,
        )
