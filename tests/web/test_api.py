"""The JSON API as ARCHITECTURE.md fixes it, and clear 4xx errors for bad parameters."""

import pytest

pytestmark = pytest.mark.django_db


def test_search_returns_the_documented_fields(client, indexed):
    response = client.get("/api/search", {"q": "surface code thresholds", "k": 3})
    assert response.status_code == 200
    data = response.json()
    assert data["query"] == "surface code thresholds"
    assert len(data["results"]) == 3
    first = data["results"][0]
    assert first["arxiv_id"] == "2401.00002"
    assert set(first) == {"arxiv_id", "title", "authors", "categories", "published", "score", "summary"}
    assert first["published"] == "2024-01-12" and first["authors"] == ["Peter Shor"]


def test_search_applies_filters_and_modes(client, indexed):
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


def test_search_page_pages_through_results(client, indexed, settings):
    settings.PHYSLIT_PAGE_SIZE = 3
    first = client.get("/", {"q": "physics", "mode": "dense"})
    second = client.get("/", {"q": "physics", "mode": "dense", "page": 2})
    shown = [[r["paper"].arxiv_id for r in resp.context["page"].object_list] for resp in (first, second)]
    assert len(shown[0]) == 3 and len(shown[1]) == 3 and not set(shown[0]) & set(shown[1])
    assert "page 2 of 3" in second.content.decode()
