"""The JSON API as ARCHITECTURE.md fixes it, and clear 4xx errors for bad parameters."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def everything_matches(settings):
    """Every paper passes the match threshold, so that paging and sorting see the whole corpus."""
    settings.PHYSLIT_SEARCH_MATCH_COSINE = settings.PHYSLIT_SEARCH_CLOSE_COSINE = -1.0


def test_search_returns_the_documented_fields(client, indexed):
    response = client.get("/api/search", {"q": "surface code thresholds", "k": 3})
    assert response.status_code == 200
    data = response.json()
    assert data["query"] == data["read_as"] == "surface code thresholds"
    assert data["total"] == len(data["results"]) >= 1  # only the papers about it match
    first = data["results"][0]
    assert first["arxiv_id"] == "2401.00002"
    fields = {"arxiv_id", "title", "authors", "categories", "published", "score", "relevance", "summary"}
    assert set(first) == fields
    assert first["published"] == "2024-01-12" and first["authors"] == ["Peter Shor"]
    assert 0.5 <= first["relevance"] <= 1 and isinstance(first["score"], float)


def test_a_query_in_chinese_is_searched_in_english_and_says_how(client, indexed):
    data = client.get("/api/search", {"q": "表面码的容错阈值", "k": 3}).json()
    assert data["query"] == "表面码的容错阈值"
    assert "surface" in data["read_as"] and "threshold" in data["read_as"] and "码" not in data["read_as"]
    assert data["results"][0]["arxiv_id"] == "2401.00002"
    page = client.get("/", {"q": "表面码的容错阈值"}).content.decode()
    assert f"Searched in English as “{data['read_as']}”" in page
    assert "Surface codes for fault-tolerant quantum computation" in page


def test_search_with_no_close_match_has_total_zero_and_only_weak_results(client, indexed):
    data = client.get("/api/search", {"q": "chocolate chip cookie recipe"}).json()
    assert data["total"] == 0
    assert data["results"] and all(r["relevance"] < 0.5 for r in data["results"])


def test_total_and_offset_page_through_every_match(client, indexed, everything_matches):
    everything = client.get("/api/search", {"q": "black holes", "k": 100}).json()
    assert everything["total"] == 8 and len(everything["results"]) == 8
    pages = [
        client.get("/api/search", {"q": "black holes", "k": 3, "offset": offset}).json()
        for offset in (0, 3, 6, 9, 100)
    ]
    assert all(p["total"] == 8 for p in pages)
    shown = [[r["arxiv_id"] for r in p["results"]] for p in pages]
    assert shown[0] + shown[1] + shown[2] == [r["arxiv_id"] for r in everything["results"]]
    assert shown[3] == [] and shown[4] == []


def test_sort_by_date_lists_newest_first(client, indexed, everything_matches):
    data = client.get("/api/search", {"q": "black holes", "sort": "date", "k": 100}).json()
    published = [r["published"] for r in data["results"]]
    assert len(published) == 8 and published == sorted(published, reverse=True)
    later = client.get("/api/search", {"q": "black holes", "sort": "date", "k": 3, "offset": 3}).json()
    assert [r["published"] for r in later["results"]] == published[3:6]


def test_an_empty_query_with_filters_lists_every_paper_passing_them(client, indexed):
    data = client.get("/api/search", {"category": "quant-ph"}).json()
    assert data["total"] == 2
    assert [r["arxiv_id"] for r in data["results"]] == ["2401.00002", "2401.00005"]  # newest first
    assert all(r["score"] is None and r["relevance"] is None for r in data["results"])
    data = client.get("/api/search", {"q": "", "date_from": "2021-01-01", "k": 2, "offset": 2}).json()
    assert data["total"] == 5 and [r["arxiv_id"] for r in data["results"]] == ["2401.00003", "2401.00004"]
    assert client.get("/api/search", {"author": "shor"}).json()["total"] == 1


def test_offset_pages_past_one_hundred(client, many_indexed):
    data = client.get("/api/search", {"q": "black hole entropy", "k": 100}).json()
    assert data["total"] == 130 and len(data["results"]) == 100
    rest = client.get("/api/search", {"q": "black hole entropy", "k": 100, "offset": 100}).json()
    assert rest["total"] == 130 and len(rest["results"]) == 30
    assert not {r["arxiv_id"] for r in rest["results"]} & {r["arxiv_id"] for r in data["results"]}


def test_search_applies_filters_and_modes(client, indexed, everything_matches):
    data = client.get("/api/search", {"q": "black holes", "category": "gr-qc", "mode": "keyword"}).json()
    assert {r["arxiv_id"] for r in data["results"]} == {"2401.00001", "2401.00006"}
    data = client.get(
        "/api/search", {"q": "black holes", "date_to": "2020-12-31", "mode": "dense", "k": 2}
    ).json()
    assert all(r["published"] <= "2020-12-31" for r in data["results"]) and len(data["results"]) == 2


@pytest.mark.parametrize(
    "params,fragment",
    [
        ({}, "q"),
        ({"q": "   "}, "q"),
        ({"q": "", "mode": "dense"}, "q"),
        ({"q": "x", "offset": "-1"}, "offset"),
        ({"q": "x", "offset": "ten"}, "offset"),
        ({"q": "x", "offset": "99999999999999999999"}, "offset"),
        ({"q": "x", "sort": "magic"}, "sort"),
        ({"q": "a\x00b"}, "q"),
        ({"q": "x" * 10_000}, "at most 4000 characters"),
        ({"q": "x", "k": "0"}, "k"),
        ({"q": "x", "k": "101"}, "k"),
        ({"q": "x", "k": "ten"}, "k"),
        ({"q": "x", "category": "hep-nonsense"}, "unknown category"),
        ({"q": "x", "date_from": "2024-13-01"}, "date_from"),
        ({"q": "x", "date_to": "yesterday"}, "date_to"),
        ({"q": "x", "date_from": "2024-02-01", "date_to": "2024-01-01"}, "after"),
        ({"q": "x", "mode": "magic"}, "mode"),
    ],
)
def test_bad_parameters_get_a_clear_400(client, indexed, params, fragment):
    response = client.get("/api/search", params)
    assert response.status_code == 400
    assert fragment in response.json()["error"]


def test_search_without_an_index_is_503_with_a_message(client, search_settings):
    response = client.get("/api/search", {"q": "anything"})
    assert response.status_code == 503 and "build_index" in response.json()["error"]


def test_paper_endpoint_gives_metadata_summary_and_similar(client, indexed):
    data = client.get("/api/papers/2401.00001v2").json()
    assert data["arxiv_id"] == "2401.00001"
    assert data["title"].startswith("Entanglement entropy")
    assert "summary" in data and len(data["similar"]) > 0 and "2401.00001" not in data["similar"]
    assert data["pdf_url"] == "https://arxiv.org/pdf/2401.00001"


def test_unknown_paper_is_a_json_404(client, indexed):
    response = client.get("/api/papers/9999.99999")
    assert response.status_code == 404 and "9999.99999" in response.json()["error"]


def test_search_page_shows_results_with_highlighted_snippets(client, indexed):
    response = client.get("/", {"q": "transmon decoherence"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Decoherence of superconducting transmon qubits" in html
    assert "<mark>transmon</mark>" in html


def test_search_page_reports_bad_filters_without_error(client, indexed):
    response = client.get("/", {"q": "x", "category": "nonsense"})
    assert response.status_code == 400 and "unknown category" in response.content.decode()


def test_paper_page_shows_similar_papers_and_bibtex(client, indexed):
    html = client.get("/papers/2401.00001").content.decode()
    assert "Similar papers" in html and "Anti-de Sitter space and holography" in html
    assert "@misc{maldacena2024entanglement," in html
    bib = client.get("/papers/2401.00001/bibtex")
    assert bib["Content-Type"].startswith("application/x-bibtex")
    text = bib.content.decode()
    assert "author = {Juan Maldacena and Ana Núñez}" in text and "eprint = {2401.00001}" in text


def test_search_page_pages_through_results(client, indexed, settings, everything_matches):
    settings.PHYSLIT_PAGE_SIZE = 3
    first = client.get("/", {"q": "physics", "mode": "dense"})
    second = client.get("/", {"q": "physics", "mode": "dense", "page": 2})
    shown = [[r["paper"].arxiv_id for r in resp.context["page"].object_list] for resp in (first, second)]
    assert len(shown[0]) == 3 and len(shown[1]) == 3 and not set(shown[0]) & set(shown[1])
    assert "page 2 of 3" in second.content.decode()


def test_search_page_says_how_many_papers_match(client, indexed, everything_matches):
    html = client.get("/", {"q": "black holes"}).content.decode()
    assert "8 matches" in html and "No close match" not in html
    assert '<details class="search-options">' in html  # no filter set: the panel stays closed


def test_search_page_with_no_close_match_says_so_above_the_weak_nearest_papers(client, indexed):
    html = client.get("/", {"q": "chocolate chip cookie recipe"}).content.decode()
    assert "No close match for “chocolate chip cookie recipe”" in html
    assert "only weakly related" in html and html.count('<li class="paper result">') == 5
    assert "matches" not in html


def test_search_page_sorts_by_date_and_opens_the_panel_only_for_a_set_filter(
    client, indexed, everything_matches
):
    response = client.get("/", {"q": "black holes", "sort": "date", "category": "", "author": ""})
    dates = [r["paper"].first_submitted for r in response.context["page"].object_list]
    assert dates == sorted(dates, reverse=True)
    assert '<details class="search-options">' in response.content.decode()
    response = client.get("/", {"q": "black holes", "author": "thorne"})
    assert '<details class="search-options" open>' in response.content.decode()
