"""Web pages through the Django test client: the newest-papers list, its filter and paging, paper pages."""

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from django.conf import settings

from physlit.harvest.records import PaperRecord, VersionRecord
from physlit.harvest.upsert import papers_upsert
from tests.support.factories import paper_record

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]


def store(*records: PaperRecord) -> None:
    papers_upsert(records)


def listed_ids(response) -> list[str]:
    return [p.arxiv_id for p in response.context["page"].object_list]


def test_list_shows_newest_first(client):
    store(
        paper_record("2401.00001", first_submitted=date(2024, 1, 1)),
        paper_record("2403.00003", first_submitted=date(2024, 3, 1)),
        paper_record("2402.00002", first_submitted=date(2024, 2, 1)),
    )
    response = client.get("/")
    assert response.status_code == 200
    assert listed_ids(response) == ["2403.00003", "2402.00002", "2401.00001"]
    html = response.content.decode()
    assert html.index("Paper 2403.00003") < html.index("Paper 2402.00002") < html.index("Paper 2401.00001")


def test_list_shows_authors_badges_date_and_abstract_preview(client):
    authors = ["Ana One", "Bo Two", "Cy Three", "Di Four", "Ed Five"]
    store(
        paper_record(
            "2401.00001",
            authors=authors,
            categories=["hep-th", "gr-qc"],
            abstract="word " * 200,
            first_submitted=date(2024, 1, 9),
        )
    )
    html = client.get("/").content.decode()
    text = re.sub(r"<[^>]+>", "", html)  # each name is a link to its author page
    assert "Ana One, Bo Two, Cy Three et al." in text and "Di Four" not in html
    assert 'class="badge primary"' in html and ">hep-th</a>" in html and ">gr-qc</a>" in html
    assert "9 Jan 2024" in html
    assert "word " * 50 in html and "word " * 100 not in html


def test_category_filter_matches_archive_primary_and_cross_lists(client):
    store(
        paper_record("2401.00001", categories=["hep-th"]),
        paper_record("2401.00002", categories=["quant-ph", "hep-th"]),  # cross-listed to hep-th
        paper_record("2401.00003", categories=["cond-mat.str-el", "quant-ph"]),
        paper_record("2401.00004", categories=["gr-qc"]),
    )
    assert set(listed_ids(client.get("/?category=hep-th"))) == {"2401.00001", "2401.00002"}
    assert set(listed_ids(client.get("/?archive=quant-ph"))) == {"2401.00002", "2401.00003"}
    assert listed_ids(client.get("/?archive=cond-mat")) == ["2401.00003"]


def test_category_filter_by_subcategory(client):
    store(
        paper_record("2401.00001", categories=["cond-mat.str-el"]),
        paper_record("2401.00002", categories=["cond-mat.mes-hall", "cond-mat.str-el"]),
        paper_record("2401.00003", categories=["cond-mat.mes-hall"]),
    )
    assert set(listed_ids(client.get("/?category=cond-mat.str-el"))) == {"2401.00001", "2401.00002"}
    # `category` wins over `archive` (links from the former archive menu still work).
    response = client.get("/?archive=hep-th&category=cond-mat.mes-hall")
    assert set(listed_ids(response)) == {"2401.00002", "2401.00003"}
    assert response.context["category"] == "cond-mat.mes-hall"


def test_category_field_lists_archives_with_paper_counts(client):
    store(
        paper_record("2401.00001", categories=["cond-mat.str-el", "cond-mat.mes-hall"]),
        paper_record("2401.00002", categories=["hep-th", "cond-mat.str-el"]),
        # Stray tokens in a harvested category list are not archives.
        paper_record("2401.00003", categories=["astro-ph.GA", "85A05,", "accepted"]),
    )
    response = client.get("/?category=hep-th")
    assert response.context["archives"] == [("astro-ph", 1), ("cond-mat", 2), ("hep-th", 1)]
    html = response.content.decode()
    assert '<option value="hep-th">hep-th (1)</option>' in html
    assert 'name="category" list="archive-list" value="hep-th"' in html
    assert "85A05" not in html.split("<datalist")[1].split("</datalist>")[0]


def test_the_home_page_has_one_filter_form_closed_until_a_filter_is_set(client):
    store(paper_record("2401.00001", authors=["Ana Núñez"]), paper_record("2401.00002", authors=["Bo Two"]))
    html = client.get("/").content.decode()
    assert html.count("<form") == 1 and '<details class="search-options">' in html
    response = client.get("/", {"author": "núñez"})
    assert listed_ids(response) == ["2401.00001"]
    assert '<details class="search-options" open>' in response.content.decode()


def test_filters_without_a_query_list_the_newest_papers_passing_them(client):
    store(*(paper_record(f"2401.0000{i}", first_submitted=date(2024, 1, i)) for i in range(1, 6)))
    response = client.get("/", {"date_from": "2024-01-02", "date_to": "2024-01-04"})
    assert listed_ids(response) == ["2401.00004", "2401.00003", "2401.00002"]
    assert "3 papers" in response.content.decode()
    assert "No paper passes these filters" in client.get("/", {"author": "nobody"}).content.decode()


@pytest.mark.parametrize(
    "params,message",
    [({"date_from": "2024-13-01"}, "date_from"), ({"category": "cond\x00mat"}, "category")],
)
def test_bad_filters_without_a_query_get_a_clear_400(client, params, message):
    store(paper_record("2401.00001"))
    response = client.get("/", params)
    assert response.status_code == 400
    assert "Please check the filters" in response.content.decode() and message in response.content.decode()


@pytest.mark.parametrize("category", ["nonsense", "hep-th.XX", "<b>x</b>"])
def test_unknown_category_gives_a_clear_message_not_an_error(client, category):
    store(paper_record("2401.00001"))
    response = client.get("/", {"category": category})
    assert response.status_code == 200
    html = response.content.decode()
    assert "No papers are filed under the category" in html
    assert "<b>x</b>" not in html
    assert listed_ids(response) == []


def test_empty_library_says_how_to_fill_it(client):
    assert "The library is empty" in client.get("/").content.decode()


@pytest.fixture
def five_papers(settings):
    settings.PHYSLIT_PAGE_SIZE = 2
    store(*(paper_record(f"2401.0000{i}", first_submitted=date(2024, 1, i)) for i in range(1, 6)))


def test_paging_walks_from_newest_to_oldest(client, five_papers):
    first = client.get("/")
    assert listed_ids(first) == ["2401.00005", "2401.00004"]
    assert 'href="?page=2"' in first.content.decode()
    assert listed_ids(client.get("/?page=2")) == ["2401.00003", "2401.00002"]
    assert listed_ids(client.get("/?page=3")) == ["2401.00001"]


def test_paging_keeps_the_category_filter(client, settings):
    settings.PHYSLIT_PAGE_SIZE = 1
    store(
        paper_record("2401.00001", categories=["gr-qc"]),
        paper_record("2401.00002", categories=["gr-qc"]),
        paper_record("2401.00003", categories=["hep-th"]),
    )
    html = client.get("/?category=gr-qc").content.decode()
    assert 'href="?category=gr-qc&amp;page=2"' in html


@pytest.mark.parametrize("page", ["99", "abc", "-1", "0", "1.5", "99999999999999999999999"])
def test_bad_or_out_of_range_page_never_errors(client, five_papers, page):
    response = client.get("/", {"page": page})
    assert response.status_code == 200
    assert listed_ids(response)  # some real page: the first for garbage, the last past the end


def test_page_past_the_end_shows_the_last_page(client, five_papers):
    assert listed_ids(client.get("/?page=99")) == ["2401.00001"]


def full_paper() -> PaperRecord:
    return paper_record(
        "2401.01234",
        title="Entanglement entropy of $\\mathcal{N}=4$ black holes",
        abstract="We compute $S = A/4G$ exactly.",
        authors=["Erwin Schrödinger", "B. Ødegaard", "Ana Núñez"],
        categories=["hep-th", "gr-qc", "quant-ph"],
        comments="12 pages, 3 figures",
        journal_ref="Phys. Rev. D 109, 046001 (2024)",
        doi="10.1103/PhysRevD.109.046001",
        license="http://creativecommons.org/licenses/by/4.0/",
        first_submitted=date(2024, 1, 3),
        last_updated=date(2024, 2, 20),
        versions=[
            VersionRecord(1, datetime(2024, 1, 3, 18, 0, tzinfo=UTC), "512kb"),
            VersionRecord(2, datetime(2024, 2, 20, 9, 30, tzinfo=UTC), "530kb"),
        ],
    )


def test_paper_page_shows_every_field(client):
    store(full_paper())
    response = client.get("/papers/2401.01234")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Entanglement entropy of $\\mathcal{N}=4$ black holes" in html
    assert html.index("Erwin Schrödinger") < html.index("B. Ødegaard") < html.index("Ana Núñez")
    assert "We compute $S = A/4G$ exactly." in html
    assert html.index(">hep-th</a>") < html.index(">gr-qc</a>") < html.index(">quant-ph</a>")
    assert "12 pages, 3 figures" in html
    assert "Phys. Rev. D 109, 046001 (2024)" in html
    assert 'href="https://doi.org/10.1103/PhysRevD.109.046001"' in html
    assert 'href="http://creativecommons.org/licenses/by/4.0/"' in html
    assert "3 January 2024" in html and "20 February 2024" in html
    assert "Wed, 3 Jan 2024 18:00" in html and "Tue, 20 Feb 2024 09:30" in html
    assert html.index(">v1</a>") < html.index(">v2</a>") and "530kb" in html
    assert 'href="https://arxiv.org/abs/2401.01234"' in html
    assert 'href="https://arxiv.org/pdf/2401.01234"' in html


def test_old_style_id_with_a_slash_has_its_page(client):
    store(
        paper_record("hep-th/9901001", title="Old style", first_submitted=date(1999, 1, 4)),
        paper_record("math.GT/0309136", title="Old style with subject class"),
    )
    response = client.get("/papers/hep-th/9901001")
    assert response.status_code == 200
    assert 'href="https://arxiv.org/pdf/hep-th/9901001"' in response.content.decode()
    assert client.get("/papers/math.GT/0309136").status_code == 200
    # The list links to it.
    assert 'href="/papers/hep-th/9901001"' in client.get("/").content.decode()


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ("/papers/2401.01234v2", "/papers/2401.01234"),
        ("/papers/hep-th/9901001v3", "/papers/hep-th/9901001"),
    ],
)
def test_versioned_id_redirects_to_the_paper_page(client, path, target):
    store(full_paper(), paper_record("hep-th/9901001"))
    response = client.get(path)
    assert response.status_code == 301
    assert response["Location"] == target


@pytest.mark.parametrize(
    "path", ["/papers/2401.99999", "/papers/hep-th/9901001", "/papers/not-an-id", "/papers/2401.01234/extra"]
)
def test_unknown_paper_is_a_404_page(client, path):
    store(full_paper())
    response = client.get(path)
    assert response.status_code == 404
    assert "Not found" in response.content.decode()


def test_unknown_well_formed_id_says_which_paper_is_missing(client):
    html = client.get("/papers/2401.99999").content.decode()
    assert "no paper 2401.99999 in this library" in html
    assert 'href="https://arxiv.org/abs/2401.99999"' in html


MALICIOUS = "<script>alert(1)</script> $x<y$"


def test_harvested_text_is_escaped_everywhere(client):
    store(
        paper_record(
            "2401.00666",
            title=MALICIOUS,
            abstract=MALICIOUS,
            authors=["<img src=x onerror=alert(1)>"],
            comments=MALICIOUS,
            journal_ref=MALICIOUS,
            doi='10.1/"><script>',
            license="javascript:alert(1)",
        )
    )
    for url in ("/", "/papers/2401.00666"):
        html = client.get(url).content.decode()
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt; $x&lt;y$" in html
        assert "<img src=x" not in html
    detail = client.get("/papers/2401.00666").content.decode()
    assert 'href="javascript:' not in detail
    assert '"><script>' not in detail


def test_unicode_names_and_titles_render(client):
    store(
        paper_record(
            "2401.00007",
            title="Schrödinger cats and Ødegaard’s ζ-function",
            authors=["Erwin Schrödinger", "Kari Ødegaard"],
        )
    )
    for url in ("/", "/papers/2401.00007"):
        html = client.get(url).content.decode()
        assert "Schrödinger cats and Ødegaard’s ζ-function" in html
        assert "Kari Ødegaard" in html


def test_abstract_preview_never_cuts_inside_math(client):
    abstract = "x " * 140 + "$\\alpha + \\beta = \\gamma + \\delta$ " + "tail " * 50
    store(paper_record("2401.00008", abstract=abstract))
    html = client.get("/").content.decode()
    preview = html.split('class="abstract tex">')[1].split("</p>")[0]
    assert preview.count("$") % 2 == 0
    assert preview.endswith("…")


def test_katex_is_served_from_static_with_auto_render(client):
    store(paper_record("2401.00001"))
    for url in ("/", "/papers/2401.00001"):
        html = client.get(url).content.decode()
        assert 'src="/static/vendor/katex/katex.min.js"' in html
        assert 'src="/static/vendor/katex/contrib/auto-render.min.js"' in html
        assert 'href="/static/vendor/katex/katex.min.css"' in html
        assert 'src="/static/js/math.js"' in html
        assert "cdn" not in html.lower()
    script = (Path(settings.BASE_DIR) / "static" / "js" / "math.js").read_text()
    # A formula KaTeX cannot parse is caught and stays as text (tests/web/test_authors_browser.py shows it).
    assert "errorCallback" in script and 'left: "$"' in script


def test_katex_files_are_installed():
    vendor = Path(settings.BASE_DIR) / "static" / "vendor" / "katex"
    if not (vendor / "katex.min.js").is_file():
        pytest.skip("KaTeX is not installed in static/vendor/katex (run `make static`)")
    assert (vendor / "contrib" / "auto-render.min.js").is_file()
    assert (vendor / "katex.min.css").is_file()
    assert any((vendor / "fonts").glob("KaTeX_Main-Regular.woff2"))


def test_header_links_to_papers_and_admin(client):
    html = client.get("/").content.decode()
    assert 'class="brand"' in html and 'href="/admin/"' in html and ">Papers</a>" in html


def test_selectors_find_papers_by_versioned_id_and_by_primary_key():
    from physlit.corpus.selectors import paper_get, papers_by_ids

    store(full_paper(), paper_record("hep-th/9901001"))
    assert paper_get("2401.01234v2").arxiv_id == "2401.01234"
    assert paper_get(" hep-th/9901001 ").arxiv_id == "hep-th/9901001"
    assert paper_get("2401.99999") is None and paper_get("") is None
    old = paper_get("hep-th/9901001")
    assert papers_by_ids([old.pk, 10**9]) == {old.pk: old}
