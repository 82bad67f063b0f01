"""Fuzzed input on every endpoint: never a 5xx, and under /api/ every error is JSON with "error" ."""

import json
from urllib.parse import quote

import pytest
from django.core.cache import cache
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Text as an attacker sends it: any code point, NUL and lone surrogates included, sometimes long.
any_text = st.one_of(
    st.text(st.characters(exclude_categories=()), max_size=50),
    st.sampled_from(
        ["a\x00b", "spin \ud800 waves", "Mu\u0308ller", "x" * 5000, "[" * 1000, "../../etc/passwd"]
    ),
)
# Values a query string can carry: text that survives UTF-8 (surrogates arrive as bytes, below).
param_text = st.text(st.characters(codec="utf-8"), max_size=40) | st.sampled_from(
    ["a\x00b", "", " ", "9" * 30]
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | any_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(any_text, inner, max_size=4),
    max_leaves=12,
)


@pytest.fixture(autouse=True)
def no_rate_limit(settings):
    settings.PHYSLIT_ASK_RATE = 0
    cache.clear()


def assert_served(response, path: str):
    assert response.status_code < 500, (path, response.status_code, response.content[:300])
    if path.startswith("/api/") and response.status_code >= 400:
        assert response["Content-Type"].startswith("application/json"), path
        assert "error" in json.loads(response.content)


@FUZZ
@given(
    params=st.dictionaries(
        st.sampled_from(["q", "k", "mode", "category", "date_from", "date_to", "author", "page", "archive"]),
        param_text,
    )
)
def test_search_and_the_list_page_survive_any_parameters(client, indexed, params):
    for path in ("/api/search", "/"):
        assert_served(client.get(path, params), path)


@FUZZ
@given(raw=st.binary(max_size=60))
def test_raw_query_strings_and_paths_survive(client, indexed, raw):
    encoded = quote(raw, safe="")
    paths = (f"/api/search?q={encoded}", f"/?q={encoded}", f"/api/papers/{encoded}", f"/papers/{encoded}")
    for path in paths:
        assert_served(client.get(path), path)


@FUZZ
@given(arxiv_id=st.from_regex(r"\A(\d{4}\.\d{4,5}|[a-z\-]{1,12}/\d{7})(v\d{1,25})?\Z"))
def test_paper_endpoints_survive_any_id_shaped_path(client, indexed, arxiv_id):
    for path in (f"/api/papers/{arxiv_id}", f"/papers/{arxiv_id}", f"/papers/{arxiv_id}/bibtex"):
        assert_served(client.get(path), path)


@FUZZ
@given(body=json_values)
def test_ask_survives_any_json(client, indexed, body):
    response = client.post("/api/ask", data=json.dumps(body), content_type="application/json")
    assert_served(response, "/api/ask")


@FUZZ
@given(question=any_text, conversation=st.none() | st.integers() | any_text | st.booleans())
def test_ask_survives_any_question_and_conversation(client, indexed, question, conversation):
    body = json.dumps({"question": question, "conversation": conversation})
    assert_served(client.post("/api/ask", data=body, content_type="application/json"), "/api/ask")


@FUZZ
@given(raw=st.binary(max_size=200), content_type=st.sampled_from(["application/json", "text/plain", ""]))
def test_ask_survives_any_bytes(client, indexed, raw, content_type):
    assert_served(client.post("/api/ask", data=raw, content_type=content_type), "/api/ask")


@FUZZ
@given(question=param_text, raw=st.binary(max_size=40))
def test_the_chat_form_survives_any_question(client, indexed, question, raw):
    assert_served(client.post("/chat", {"question": question}), "/chat")
    body = b"question=" + quote(raw, safe="").encode()
    assert_served(client.post("/chat", data=body, content_type="application/x-www-form-urlencoded"), "/chat")
