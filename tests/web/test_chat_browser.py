"""A real headless Chromium on /chat: ask, see the progress state then the answer with a citation, follow the
citation to the paper's page."""

import pytest
from django.core.cache import cache

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def ask_limit_cleared():
    # Before browser_page: the database cache is sync-only, and Playwright runs an event loop in this thread.
    cache.clear()


def test_ask_in_the_chat_and_follow_the_citation(live_server, qa_reader, ask_limit_cleared, browser_page):  # noqa: F811
    page = browser_page
    page.goto(live_server.url + "/chat")
    page.fill("#question", "What bound on the graviton mass comes from binary pulsar timing?")
    page.click("#ask-form button[type=submit]")
    # The question shows at once with a progress line; the answer replaces it.
    page.wait_for_selector("#turns .turn .turn-question")
    page.wait_for_selector("#turns .turn .citations a.citation", timeout=60_000)
    assert page.locator("#turns .progress").count() == 0
    assert "Using the timing of the Hulse-Taylor pulsar" in page.inner_text("#turns .quote mark")
    assert "/chat/" in page.url  # the conversation has an address now
    page.click("#turns .citations a.citation >> nth=0")
    page.wait_for_selector("h1.paper-title")
    assert page.url.endswith("/papers/1901.00001")
