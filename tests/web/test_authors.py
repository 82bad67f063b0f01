"""Author pages and GET /api/authors/<name>, names linked from lists and paper pages, the bulk BibTeX of a
results page, the favicon, and model versions in the admin (read-only, numbered per kind from 1)."""

from datetime import date
from pathlib import Path
from urllib.parse import quote

import pytest

from physlit.harvest.upsert import papers_upsert
from physlit.registry.models import ModelVersion
from tests.support.factories import paper_record

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]


@pytest.fixture
def papers():
    papers_upsert(
        [
            paper_record("2201.00001", title="Oldest", authors=["C. Balázs", "E. Berger"],
                         categories=["hep-ph"], first_submitted=date(2022, 1, 1)),
            paper_record("2401.00002", title="Newest", authors=["E. Berger", "C. Balázs", "P. Nadolsky"],
                         categories=["hep-ph", "hep-ex"], first_submitted=date(2024, 1, 1)),
            paper_record("2301.00003", title="Middle", authors=["C. Balázs"], categories=["gr-qc"],
                         first_submitted=date(2023, 1, 1)),
            paper_record("2301.00004", title="Not hers", authors=["Somebody Else"]),
        ]
    )  # fmt: skip


def author_url(name: str) -> str:
    return "/authors/" + quote(name)


def test_author_page_lists_papers_newest_first_with_coauthors_and_categories(client, papers):
    response = client.get(author_url("C. Balázs"))
    assert response.status_code == 200
    assert [p.arxiv_id for p in response.context["page"]] == ["2401.00002", "2301.00003", "2201.00001"]
    html = response.content.decode()
    assert "<h1>C. Balázs</h1>" in html
    assert html.index("Newest") < html.index("Middle") < html.index("Oldest") and "Not hers" not in html
    # Co-authors with the number of papers together, each linking to their own page.
    assert (
        f'href="{author_url("E. Berger")}">E. Berger</a> <span class="count" title="papers together">2<'
        in html
    )
    assert f'href="{author_url("P. Nadolsky")}">P. Nadolsky</a>' in html
    assert 'href="/?category=hep-ph">hep-ph</a> <span class="count">2<' in html


def test_author_page_is_paginated(client, papers, settings):
    settings.PHYSLIT_PAGE_SIZE = 2
    second = client.get(author_url("C. Balázs") + "?page=2")
    assert [p.arxiv_id for p in second.context["page"]] == ["2201.00001"]


def test_tex_spelling_or_other_case_redirects_to_the_author_page(client, papers):
    for spelling in (r"C. Bal\'azs", "c. balázs"):
        response = client.get(author_url(spelling))
        assert response.status_code == 301
        assert response["Location"] == author_url("C. Balázs")


def test_unknown_author_is_a_clear_404_page(client, papers):
    response = client.get(author_url("Nobody Here"))
    assert response.status_code == 404
    assert "No paper in this library has an author named “Nobody Here”" in response.content.decode()
    assert client.get(author_url("Balázs")).status_code == 404  # part of a name is not a name


def test_control_characters_in_a_name_are_a_400_not_a_500(client, papers):
    assert client.get("/authors/a%00b").status_code == 400


def test_every_author_name_links_to_its_page(client, papers):
    listing = client.get("/").content.decode()
    assert f'<a class="author" href="{author_url("P. Nadolsky")}">P. Nadolsky</a>' in listing
    detail = client.get("/papers/2401.00002").content.decode()
    for name in ("E. Berger", "C. Balázs", "P. Nadolsky"):
        assert f'<a class="author" href="{author_url(name)}">{name}</a>' in detail


def test_api_author_gives_papers_coauthors_and_categories(client, papers):
    response = client.get("/api/authors/" + quote("c. balázs") + "?k=2")
    assert response.status_code == 200
    data = response.json()
    assert data["name"] == "C. Balázs" and data["total"] == 3
    assert [p["arxiv_id"] for p in data["papers"]] == ["2401.00002", "2301.00003"]
    assert data["coauthors"] == [{"name": "E. Berger", "papers": 2}, {"name": "P. Nadolsky", "papers": 1}]
    assert data["categories"][0] == {"category": "hep-ph", "papers": 2}
    later = client.get("/api/authors/" + quote("C. Balázs") + "?k=2&offset=2").json()
    assert [p["arxiv_id"] for p in later["papers"]] == ["2201.00001"]


@pytest.mark.parametrize("query", ["?k=0", "?k=abc", "?offset=-1", "?k=101"])
def test_api_author_bad_parameters_are_json_400(client, papers, query):
    response = client.get("/api/authors/" + quote("C. Balázs") + query)
    assert response.status_code == 400 and "error" in response.json()


def test_api_unknown_author_is_json_404(client, papers):
    response = client.get("/api/authors/Nobody")
    assert response.status_code == 404 and "Nobody" in response.json()["error"]


def test_bulk_bibtex_of_a_results_page(client, indexed, settings):
    settings.PHYSLIT_PAGE_SIZE = 3
    page = client.get("/?q=black+holes")
    shown = [r["paper"].arxiv_id for r in page.context["page"].object_list]
    assert len(shown) == 3
    assert 'href="/bibtex?q=black+holes"' in page.content.decode()
    response = client.get("/bibtex?q=black+holes")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/x-bibtex")
    assert "attachment" in response["Content-Disposition"]
    body = response.content.decode()
    assert body.count("@misc{") == 3
    assert [line.split("=")[1].strip(" {},") for line in body.splitlines() if "eprint" in line] == shown
    # Filters and page travel with the link: the second page's entries are the second page's results.
    second = client.get("/?q=black+holes&category=gr-qc&page=2")
    shown = [r["paper"].arxiv_id for r in second.context["page"].object_list]
    body = client.get("/bibtex?q=black+holes&category=gr-qc&page=2").content.decode()
    assert [line.split("=")[1].strip(" {},") for line in body.splitlines() if "eprint" in line] == shown


def test_author_filter_matches_the_normalised_name_also_when_typed_in_tex(client, indexed):
    for author in ("Núñez", r"N\'u\~nez", "ana núñez"):
        data = client.get("/api/search", {"q": "black holes", "author": author}).json()
        assert [r["arxiv_id"] for r in data["results"]] == ["2401.00001"], author


def test_bulk_bibtex_bad_query_is_a_400(client, indexed):
    response = client.get("/bibtex?q=")
    assert response.status_code == 400 and b"q" in response.content


def test_favicon_is_linked_and_served(client, settings):
    html = client.get("/").content.decode()
    assert '<link rel="icon" href="/static/favicon.svg"' in html
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"] == "/static/favicon.svg"
    assert (Path(settings.BASE_DIR) / "static/favicon.svg").read_text().startswith("<svg")


def model_version(kind: str) -> ModelVersion:
    return ModelVersion.objects.create(kind=kind, base="base", path="/nowhere", score=0.8123456789012345)


def test_model_version_labels_count_from_one_per_kind():
    encoder = model_version("encoder")
    reader = model_version("reader")
    second_reader = model_version("reader")
    assert (encoder.label, reader.label, second_reader.label) == ("encoder v1", "reader v1", "reader v2")


def test_model_versions_are_read_only_in_the_admin_with_rounded_scores(admin_client):
    version = model_version("reader")
    listing = admin_client.get("/admin/registry/modelversion/")
    assert listing.status_code == 200
    html = listing.content.decode()
    assert "0.812" in html and "0.8123456789" not in html and "reader v1" in html
    assert admin_client.get("/admin/registry/modelversion/add/").status_code == 403
    page = admin_client.get(f"/admin/registry/modelversion/{version.pk}/change/")
    assert page.status_code == 200 and b'name="_save"' not in page.content  # a view, no form to save
    posted = admin_client.post(f"/admin/registry/modelversion/{version.pk}/change/", {"score": "1"})
    assert posted.status_code == 403
    assert (
        admin_client.post(f"/admin/registry/modelversion/{version.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    version.refresh_from_db()
    assert version.score == 0.8123456789012345
