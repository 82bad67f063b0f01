"""Atom feeds of followed topics: a search's newest relevant matches, a category's newest papers; they parse
with feedparser, list papers newest first, and refuse bad parameters with a 400 or 404."""

import re
from datetime import date
from urllib.parse import quote

import feedparser
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from physlit.harvest.upsert import papers_upsert
from physlit.search.build import index_build
from tests.support.factories import paper_record

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]


def feed(client, url: str):
    response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("application/atom+xml")
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


def ids(parsed) -> list[str]:
    return [e.id.removeprefix("https://arxiv.org/abs/") for e in parsed.entries]


def test_search_feed_lists_the_matches_newest_first_with_every_entry_field(client, indexed):
    parsed = feed(client, "/feeds/search.atom?q=black+holes&category=gr-qc")
    assert ids(parsed) == ["2401.00001", "2401.00006"]  # 2024-01-10, then 2020-02-02
    assert "black holes" in parsed.feed.title and "gr-qc" in parsed.feed.title
    assert parsed.feed.link.endswith("/?q=black+holes&category=gr-qc")
    entry = parsed.entries[0]
    assert entry.id == "https://arxiv.org/abs/2401.00001"
    assert entry.title == "Entanglement entropy of black hole horizons in AdS/CFT"
    assert [a.name for a in entry.authors] == ["Juan Maldacena", "Ana Núñez"]
    assert entry.published.startswith("2024-01-10") and entry.updated.startswith("2024-01-10")
    assert entry.summary.startswith("We compute the entanglement entropy of black hole horizons")
    assert entry.link.startswith("http://testserver/") and entry.link.endswith("/papers/2401.00001")


def test_search_feed_without_filters_sorts_all_relevant_matches_by_date(client, indexed):
    listed = ids(feed(client, "/feeds/search.atom?q=black+hole+entropy"))
    # The feed lists the matches the results page counts (cosine above the match threshold), newest first.
    matches = client.get("/api/search", {"q": "black hole entropy", "sort": "date", "k": 100}).json()
    assert "2401.00001" in listed  # the black-hole entropy paper
    assert listed == [r["arxiv_id"] for r in matches["results"] if r["published"]]


def test_search_feed_shows_a_newly_harvested_paper_first_once_indexed(client, indexed):
    papers_upsert(
        [
            paper_record(
                "2402.00009",
                title="Black hole information and islands",
                abstract="Islands restore unitarity of black hole evaporation.",
                authors=["Netta Engelhardt"],
                categories=["gr-qc"],
                first_submitted=date(2024, 2, 1),
            )
        ]
    )
    index_build()
    assert ids(feed(client, "/feeds/search.atom?q=black+holes&category=gr-qc"))[0] == "2402.00009"


def test_category_feed_lists_the_newest_papers_filed_under_it(client, indexed):
    assert ids(feed(client, "/feeds/category/hep-th.atom")) == ["2401.00001", "2401.00008"]
    assert ids(feed(client, "/feeds/category/astro-ph.atom")) == [
        "2401.00003",
        "2401.00006",
    ]  # cross-list too
    parsed = feed(client, "/feeds/category/cond-mat.str-el.atom")
    assert ids(parsed) == ["2401.00004"] and parsed.feed.link.endswith("/?category=cond-mat.str-el")


def test_category_feed_keeps_the_newest_fifty(client, db):
    papers_upsert(
        [paper_record(f"2401.{n:05d}", first_submitted=date(2020, 1, 1 + n % 28)) for n in range(60)]
    )
    listed = feed(client, "/feeds/category/hep-th.atom").entries
    assert len(listed) == 50
    dates = [e.published for e in listed]
    assert dates == sorted(dates, reverse=True)


@pytest.mark.parametrize("url", ["/feeds/category/no-such-thing.atom", "/feeds/category/hep%00th.atom"])
def test_category_feed_of_an_unknown_category_is_404(client, indexed, url):
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    "query,fragment",
    [
        ("", "q"),
        ("q=+++", "q"),
        ("q=x&category=hep-nonsense", "unknown category"),
        ("q=x&date_from=2024-13-01", "date_from"),
        ("q=x&mode=magic", "mode"),
        ("q=a%00b", "q"),
    ],
)
def test_bad_search_feed_parameters_get_a_plain_400(client, indexed, query, fragment):
    response = client.get(f"/feeds/search.atom?{query}")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain") and fragment in response.content.decode()


def test_search_feed_without_an_index_is_503(client, search_settings):
    assert client.get("/feeds/search.atom?q=anything").status_code == 503


def alternate_links(html: str) -> list[str]:
    return re.findall(r'<link rel="alternate" type="application/atom\+xml"[^>]* href="([^"]+)"', html)


def test_results_page_announces_its_feed_and_the_feed_works(client, indexed):
    html = client.get("/?q=black+holes&category=gr-qc&page=1").content.decode()
    head = html[: html.index("</head>")]
    assert alternate_links(head) == ["/feeds/search.atom?q=black+holes&amp;category=gr-qc"]
    assert ids(feed(client, "/feeds/search.atom?q=black+holes&category=gr-qc")) == [
        "2401.00001",
        "2401.00006",
    ]


@pytest.mark.parametrize("query", ["category=hep-th", "archive=hep-th"])
def test_category_page_announces_its_feed(client, indexed, query):
    html = client.get(f"/?{query}").content.decode()
    assert alternate_links(html[: html.index("</head>")]) == ["/feeds/category/hep-th.atom"]


@pytest.mark.parametrize("query", ["", "category=no-such-thing"])
def test_pages_without_a_topic_announce_no_feed(client, indexed, query):
    assert alternate_links(client.get(f"/?{query}").content.decode()) == []


FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
param_text = st.text(st.characters(codec="utf-8"), max_size=30) | st.sampled_from(
    ["a\x00b", "", " ", "x" * 5000]
)


@FUZZ
@given(
    params=st.dictionaries(
        st.sampled_from(["q", "k", "mode", "category", "date_from", "date_to", "author"]), param_text
    ),
    category=param_text,
)
def test_feeds_and_trends_survive_any_parameters(client, indexed, params, category):
    assert client.get("/feeds/search.atom", params).status_code < 500
    assert client.get(f"/feeds/category/{quote(category, safe='')}.atom").status_code < 500
    response = client.get("/api/trends", params)
    assert response.status_code < 500 and response["Content-Type"].startswith("application/json")
