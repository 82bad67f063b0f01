"""POST /api/ask and the /chat page: answers with citations, conversations, bad input, CSRF, rate limit,
private conversations (per browser session or X-Physlit-Client token), their cap and retention."""

import json
import os
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from physlit.qa.models import Conversation, Turn
from physlit.tasks import conversations_expire

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("PHYSLIT_TEST_CACHE_URL", "redis://127.0.0.1:6379/7")

QUESTION = "What bound on the graviton mass comes from binary pulsar timing?"


@pytest.fixture(autouse=True)
def fresh_rate_limit(db):
    cache.clear()
    yield
    cache.clear()


def ask(client, body, content_type="application/json", headers=None):
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.post("/api/ask", data=data, content_type=content_type, headers=headers)


@pytest.mark.slow
def test_api_ask_answers_with_citations_and_continues_the_conversation(client, qa_reader):
    response = ask(client, {"question": QUESTION, "conversation": None})
    assert response.status_code == 200
    data = response.json()
    assert set(data) >= {"answer", "abstained", "citations", "conversation"}
    assert data["abstained"] is False
    first = data["citations"][0]
    assert first == {
        "arxiv_id": "1901.00001",
        "title": "Bounds on the graviton mass from binary pulsar timing",
        "quote": first["quotes"][0],  # the one-quote key of older clients: the paper's first quote
        "quotes": first["quotes"],
        "short_answer": first["short_answer"],
    }
    # One entry per paper, [n] numbering the entries; every quote is in the answer with its paper's number.
    ids = [c["arxiv_id"] for c in data["citations"]]
    assert len(ids) == len(set(ids))
    for n, c in enumerate(data["citations"], start=1):
        assert c["quotes"] and all(f"“{q}” [{n}]" in data["answer"] for q in c["quotes"])
    follow = ask(client, {"question": "and from gravitational waves?", "conversation": data["conversation"]})
    assert follow.status_code == 200 and follow.json()["conversation"] == data["conversation"]
    assert Conversation.objects.get(key=data["conversation"]).turns.count() == 2


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
        ({"question": "Why?", "conversation": 7}, "application/json", 400),
        ({"question": "Why?", "conversation": True}, "application/json", 400),
        ({"question": "Why?", "conversation": "no-such-conversation"}, "application/json", 404),
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
    assert response["Location"].startswith(f"/chat/{conversation.key}#turn-")
    shown = browser.get(f"/chat/{conversation.key}").content.decode()
    assert 'href="/papers/1901.00001"' in shown
    assert "<mark>Using the timing of the Hulse-Taylor pulsar" in shown
    assert conversation.title[:40] in browser.get("/chat").content.decode()  # listed


def test_the_conversation_list_shows_each_conversation_with_its_date(qa_indexed):
    browser = Client()
    assert "No conversations yet" in browser.get("/chat/list").content.decode()
    url = browser.post("/chat", {"question": QUESTION})["Location"].split("#")[0]
    conversation = Conversation.objects.get()
    listed = browser.get("/chat/list")
    assert listed.status_code == 200
    html = listed.content.decode()
    assert f'href="{url}"' in html
    stamp = timezone.localtime(conversation.updated_at)
    assert f'datetime="{stamp.isoformat()}"' in html
    assert stamp.strftime("%-d %b %Y, %H:%M") in html  # e.g. "2 Dec 2026, 14:03"
    assert stamp.strftime("%-d %b %Y, %H:%M") in browser.get(url).content.decode()  # the page lists it too
    assert url not in Client().get("/chat/list").content.decode()  # another browser's list
    assert Client().post("/chat/list").status_code == 405


def test_a_turn_stored_before_citations_were_grouped_still_shows_its_quotes(qa_indexed):
    browser = Client()
    url = browser.post("/chat", {"question": QUESTION})["Location"].split("#")[0]
    old = [
        {"arxiv_id": "1901.00001", "title": "Pulsars", "quote": "First quote.", "score": 0.9},
        {"arxiv_id": "1901.00001", "title": "Pulsars", "quote": "Second quote.", "score": 0.5},
    ]
    Turn.objects.update(citations=old, abstained=False)
    page = browser.get(url)
    assert page.status_code == 200
    assert "<mark>First quote.</mark>" in page.content.decode()
    assert "<mark>Second quote.</mark>" in page.content.decode()


def test_chat_page_reports_bad_questions_and_unknown_conversations(client, db):
    response = client.post("/chat", {"question": "  "})
    assert response.status_code == 400 and b"Please check the question" in response.content
    assert client.get("/chat/424242").status_code == 404


def api_client(token: str) -> Client:
    return Client(headers={"X-Physlit-Client": token})


ALICE, BOB = "alice-token-0123456789", "bob-token-0123456789ab"


def test_api_conversations_belong_to_their_client_token(qa_indexed):
    alice, bob = api_client(ALICE), api_client(BOB)
    started = ask(alice, {"question": QUESTION})
    key = started.json()["conversation"]
    assert ask(alice, {"question": "and from gravitational waves?", "conversation": key}).status_code == 200
    stolen = ask(bob, {"question": "and from gravitational waves?", "conversation": key})
    assert stolen.status_code == 404 and "error" in stolen.json()
    anonymous = ask(Client(), {"question": "and from gravitational waves?", "conversation": key})
    assert anonymous.status_code == 404
    assert Conversation.objects.get(key=key).turns.count() == 2


def test_conversation_ids_are_unguessable(qa_indexed):
    keys = [ask(api_client(ALICE), {"question": QUESTION}).json()["conversation"] for _ in range(2)]
    assert all(isinstance(k, str) and len(k) >= 20 and not k.isdigit() for k in keys)
    assert keys[0] != keys[1]
    pk = Conversation.objects.get(key=keys[0]).pk
    assert ask(api_client(ALICE), {"question": "and?", "conversation": str(pk)}).status_code == 404


def test_api_rejects_a_malformed_client_token(db):
    response = ask(api_client("short"), {"question": QUESTION})
    assert response.status_code == 400 and "X-Physlit-Client" in response.json()["error"]


def test_chat_pages_show_each_browser_only_its_own_conversations(qa_indexed):
    alice, bob = Client(), Client()
    alice_url = alice.post("/chat", {"question": QUESTION})["Location"].split("#")[0]
    bob_url = bob.post("/chat", {"question": "What neutron skin thickness is extracted for lead?"})[
        "Location"
    ]
    bob_url = bob_url.split("#")[0]
    alice_list = alice.get("/chat").content.decode()
    assert alice_url in alice_list and bob_url not in alice_list
    assert alice.get(alice_url).status_code == 200
    assert alice.get(bob_url).status_code == 404
    assert bob.get(alice_url).status_code == 404
    assert alice_url not in Client().get("/chat").content.decode()


def test_the_browser_script_continues_its_pages_conversation_through_the_api(qa_indexed):
    browser = Client()
    url = browser.post("/chat", {"question": QUESTION})["Location"].split("#")[0]
    key = url.rsplit("/", 1)[1]
    follow = ask(browser, {"question": "and from gravitational waves?", "conversation": key})
    assert follow.status_code == 200 and follow.json()["conversation"] == key


def test_a_client_keeps_at_most_the_cap_and_loses_its_oldest(qa_indexed, settings):
    settings.PHYSLIT_CONVERSATIONS_PER_CLIENT = 2
    alice = api_client(ALICE)
    keys = [ask(alice, {"question": QUESTION}).json()["conversation"] for _ in range(3)]
    other = ask(api_client(BOB), {"question": QUESTION}).json()["conversation"]
    assert set(Conversation.objects.values_list("key", flat=True)) == {keys[1], keys[2], other}
    assert ask(alice, {"question": "and?", "conversation": keys[0]}).status_code == 404


def test_conversations_past_the_retention_limit_are_deleted(qa_indexed, settings):
    settings.PHYSLIT_CONVERSATION_DAYS = 30
    old, recent = (ask(api_client(ALICE), {"question": QUESTION}).json()["conversation"] for _ in range(2))
    Conversation.objects.filter(key=old).update(updated_at=timezone.now() - timedelta(days=31))
    assert conversations_expire.delay().get() == 2  # the conversation and its turn
    assert list(Conversation.objects.values_list("key", flat=True)) == [recent]


def test_rate_limit_keys_on_the_trusted_proxys_forwarded_address(qa_indexed, settings):
    settings.PHYSLIT_ASK_RATE = 1
    settings.PHYSLIT_TRUSTED_PROXIES = 1
    proxy = Client(REMOTE_ADDR="10.0.0.2")
    # The client's own claim (left) is ignored; the address the proxy appended (right) is the client.
    assert (
        ask(proxy, {"question": QUESTION}, headers={"X-Forwarded-For": "1.1.1.1, 203.0.113.5"}).status_code
        == 200
    )
    spoofed = ask(proxy, {"question": QUESTION}, headers={"X-Forwarded-For": "9.9.9.9, 203.0.113.5"})
    assert spoofed.status_code == 429
    assert ask(proxy, {"question": QUESTION}, headers={"X-Forwarded-For": "203.0.113.6"}).status_code == 200


def test_without_trusted_proxies_forwarded_for_is_ignored(qa_indexed, settings):
    settings.PHYSLIT_ASK_RATE = 1
    client = Client(REMOTE_ADDR="10.0.0.3")
    assert ask(client, {"question": QUESTION}, headers={"X-Forwarded-For": "1.1.1.1"}).status_code == 200
    assert ask(client, {"question": QUESTION}, headers={"X-Forwarded-For": "2.2.2.2"}).status_code == 429


ASK_FROM_ANOTHER_PROCESS = """
import django
django.setup()
from django.test import RequestFactory
from physlit.web.chat import ask_allowed
print(ask_allowed(RequestFactory().post("/api/ask", REMOTE_ADDR={address!r})))
"""


def test_the_rate_limit_is_shared_between_processes_through_redis(qa_indexed, settings):
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.ConnectionError:
        pytest.skip(f"no Redis at {REDIS_URL}")
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
    settings.PHYSLIT_ASK_RATE = 2
    address = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.7"
    client = Client(REMOTE_ADDR=address)
    for _ in range(2):
        assert ask(client, {"question": QUESTION}).status_code == 200
    env = {**os.environ, "PHYSLIT_CACHE_URL": REDIS_URL, "PHYSLIT_ASK_RATE": "2"}
    # The same address's third question, asked in another process, is refused; another address is not.
    for client_address, allowed in ((address, "False"), (address + "1", "True")):
        other = subprocess.run(
            [sys.executable, "-c", ASK_FROM_ANOTHER_PROCESS.format(address=client_address)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        assert other.stdout.strip().splitlines()[-1] == allowed
