"""Bad input is a 4xx that says why, every /api/ response is JSON, a database outage is a 503 (issue 18)."""

import json

import pytest
from django.db import OperationalError, connections
from django.test import Client

from physlit.text import TextRefused, text_clean

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]


def ask(client, body, content_type="application/json"):
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.post("/api/ask", data=data, content_type=content_type)


def assert_json_error(response, status):
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"]


def test_text_clean_normalises_to_nfc_and_says_why_it_refuses():
    assert text_clean("Mu\u0308ller", field="author") == "Müller"
    assert text_clean("line one\r\nline\ttwo", field="q") == "line one\r\nline\ttwo"
    with pytest.raises(TextRefused, match="question: control character U\\+0000"):
        text_clean("a\x00b", field="question")
    with pytest.raises(TextRefused, match="lone surrogate"):
        text_clean("spin \ud800 waves", field="question")


@pytest.mark.parametrize(
    "body,fragment",
    [
        ('{"question": "a\\u0000b"}', "U+0000"),  # was a PostgreSQL DataError
        ('{"question": "spin \\ud800 waves"}', "surrogate"),  # was a tokenizer TypeError
        ("[" * 1000, "deeper"),  # was a RecursionError
        ('{"question": "x", "conversation": 100000000000000000000000}', "conversation"),
        ('{"question": 1e999999}', "question"),
    ],
)
def test_the_issue_s_ask_bodies_are_400s_that_say_why(client, search_settings, body, fragment):
    response = ask(client, body)
    assert_json_error(response, 400)
    assert fragment in response.json()["error"]


def test_an_oversized_ask_body_is_413_before_it_is_read(client, search_settings):
    assert_json_error(ask(client, {"question": "q" * 100_000}), 413)


def test_ask_with_a_form_body_is_415(client, search_settings):
    assert_json_error(ask(client, "question=Why", "application/x-www-form-urlencoded"), 415)


def test_the_chat_form_refuses_a_nul_with_a_page_that_says_why(client, search_settings):
    response = client.post("/chat", {"question": "a\x00b"})
    assert response.status_code == 400
    assert b"U+0000" in response.content


def test_author_is_normalised_to_nfc(client, indexed):
    decomposed = client.get("/api/search", {"q": "entropy", "author": "Mu\u0308ller", "mode": "keyword"})
    composed = client.get("/api/search", {"q": "entropy", "author": "Müller", "mode": "keyword"})
    assert decomposed.status_code == 200
    assert decomposed.json()["results"] == composed.json()["results"]


@pytest.mark.parametrize("path", ["/api/papers/../../etc/passwd", "/api/nothing", "/api/papers/2401.99999"])
def test_api_404s_are_json(client, search_settings, path):
    assert_json_error(client.get(path), 404)


def test_get_on_ask_is_a_json_405_with_allow(client, search_settings):
    response = client.get("/api/ask")
    assert_json_error(response, 405)
    assert response["Allow"] == "POST"


def test_post_to_search_without_csrf_is_a_json_403():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/api/search", {"q": "x"})
    assert_json_error(response, 403)
    assert "CSRF" in response.json()["error"]


def test_an_uncaught_exception_under_api_is_a_logged_json_500(search_settings, monkeypatch, caplog):
    client = Client(raise_request_exception=False)  # as a server answers, not re-raised into the test

    def broken(*args, **kwargs):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr("physlit.web.api.paper_get", broken)
    response = client.get("/api/papers/2401.00001")
    assert_json_error(response, 500)
    assert response.json() == {"error": "internal error"}
    assert "boom" in caplog.text


def test_an_uncaught_exception_on_a_page_is_the_friendly_500_page(search_settings, monkeypatch):
    client = Client(raise_request_exception=False)

    def broken(*args, **kwargs):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr("physlit.web.views.paper_get", broken)
    response = client.get("/papers/2401.00001")
    assert response.status_code == 500
    assert b"Something went wrong" in response.content and b"boom" not in response.content


@pytest.fixture
def database_down():
    """The database refuses connections: every new connection attempt raises, as PostgreSQL down does.
    Its own MonkeyPatch, undone before the other fixtures' teardown needs the database again."""

    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(connections["default"], "ensure_connection", refuse)
        yield


def test_an_outage_is_a_json_503_with_retry_after_on_the_api(client, indexed, database_down):
    response = client.get("/api/search", {"q": "black holes"})
    assert_json_error(response, 503)
    assert response["Retry-After"]
    assert_json_error(client.get("/api/papers/2401.00001"), 503)


def test_an_outage_is_a_friendly_503_page_on_the_site(client, indexed, database_down):
    response = client.get("/")
    assert response.status_code == 503 and response["Retry-After"]
    assert b"Back in a moment" in response.content


def test_the_site_recovers_when_the_database_returns(client, indexed, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connections["default"], "ensure_connection", refuse)
    assert client.get("/api/papers/2401.00001").status_code == 503
    monkeypatch.undo()
    assert client.get("/api/papers/2401.00001").status_code == 200
