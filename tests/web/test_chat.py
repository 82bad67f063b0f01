"""POST /api/ask and the /chat page: answers with citations, conversations, bad input, CSRF, rate limit."""

import json

import pytest
from django.core.cache import cache
from django.test import Client

from physlit.qa.models import Conversation

QUESTION = "What bound on the graviton mass comes from binary pulsar timing?"


@pytest.fixture(autouse=True)
def fresh_rate_limit():
    cache.clear()
    yield
    cache.clear()


def ask(client, body, content_type="application/json"):
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.post("/api/ask", data=data, content_type=content_type)


@pytest.mark.slow
def test_api_ask_answers_with_citations_and_continues_the_conversation(client, qa_reader):
    response = ask(client, {"question": QUESTION, "conversation": None})
    assert response.status_code == 200
    data = response.json()
    assert set(data) >= {"answer", "abstained", "citations", "conversation"}
    assert data["abstained"] is False
    assert data["citations"][0] == {
        "arxiv_id": "1901.00001",
        "title": "Bounds on the graviton mass from binary pulsar timing",
        "quote": data["citations"][0]["quote"],
    }
    follow = ask(client, {"question": "and from gravitational waves?", "conversation": data["conversation"]})
    assert follow.status_code == 200 and follow.json()["conversation"] == data["conversation"]
    assert Conversation.objects.get(pk=data["conversation"]).turns.count() == 2


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        ({"question": ""}, "application/json", 400),
        ({"question": "   "}, "application/json", 400),
        ({"question": "x" * 1001}, "application/json", 400),
        ({"question": "q" * 20000}, "application/json", 413),
        ("{not json", "application/json", 400),
        ("[1, 2]", "application/json", 400),
        ({"question": 42}, "application/json", 400),
        ({"question": "Why?", "conversation": "seven"}, "application/json", 400),
        ({"question": "Why?", "conversation": True}, "application/json", 400),
        ({"question": "Why?", "conversation": 987654}, "application/json", 404),
        ("question=Why", "application/x-www-form-urlencoded", 415),
        (b"\xff\xfe", "application/json", 400),
    ],
)
def test_api_ask_rejects_bad_input_with_json_errors(client, db, body, content_type, status):
    response = ask(client, body, content_type)
    assert response.status_code == status
    assert "error" in response.json()


def test_api_ask_is_post_only(client, db):
    assert client.get("/api/ask").status_code == 405


def test_asking_is_rate_limited_per_client(client, qa_indexed, settings):
    settings.PHYSLIT_ASK_RATE = 2
    for _ in range(2):
        assert ask(client, {"question": QUESTION}).status_code == 200
    response = ask(client, {"question": QUESTION})
    assert response.status_code == 429
    assert "too many questions" in response.json()["error"]
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert ask(other, {"question": QUESTION}).status_code == 200


@pytest.mark.slow
def test_chat_page_form_works_without_javascript_and_checks_csrf(qa_reader):
    browser = Client(enforce_csrf_checks=True)
    page = browser.get("/chat")
    assert page.status_code == 200 and b'name="csrfmiddlewaretoken"' in page.content
    assert browser.post("/chat", {"question": QUESTION}).status_code == 403  # no token
    token = page.cookies["csrftoken"].value
    response = browser.post("/chat", {"question": QUESTION, "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    conversation = Conversation.objects.get()
    assert response["Location"].startswith(f"/chat/{conversation.pk}#turn-")
    shown = browser.get(f"/chat/{conversation.pk}").content.decode()
    assert 'href="/papers/1901.00001"' in shown
    assert "<mark>Using the timing of the Hulse-Taylor pulsar" in shown
    assert conversation.title[:40] in browser.get("/chat").content.decode()  # listed


def test_chat_page_reports_bad_questions_and_unknown_conversations(client, db):
    response = client.post("/chat", {"question": "  "})
    assert response.status_code == 400 and b"Please check the question" in response.content
    assert client.get("/chat/424242").status_code == 404
