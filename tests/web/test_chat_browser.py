"""A real headless Chromium on /chat: ask, see the progress state then the answer with a citation, follow the
citation to the paper's page."""

import re

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


STYLE = """selector => {
  const s = getComputedStyle(document.querySelector(selector));
  return [s.backgroundColor, s.color, s.borderRadius, s.fontSize, s.borderTopStyle, s.display];
}"""


def test_the_chat_form_is_styled_as_the_search_form(live_server, db, ask_limit_cleared, browser_page):
    page = browser_page
    page.goto(live_server.url + "/")
    search = [page.evaluate(STYLE, f"form.search .search-row {part}") for part in ("textarea", "button", "")]
    page.goto(live_server.url + "/chat")
    assert "search" in page.get_attribute("#ask-form", "class").split()
    chat = [page.evaluate(STYLE, f"#ask-form .search-row {part}") for part in ("textarea", "button", "")]
    assert chat == search
    assert page.is_visible("label[for=question]")


DATE = re.compile(r"^\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}$")  # "2 Dec 2026, 14:03"


def test_asking_lists_the_conversation_with_its_date_and_groups_citations_without_reload(
    live_server, qa_reader, ask_limit_cleared, browser_page
):
    page = browser_page
    page.goto(live_server.url + "/chat")
    assert page.locator("#conversation-list li").count() == 0
    page.evaluate("window.sameDocument = true")  # gone if the page reloads
    page.fill("#question", "What bounds on the graviton mass come from pulsars and gravitational waves?")
    page.press("#question", "Enter")
    page.wait_for_selector("#conversation-list li time", timeout=60_000)
    assert page.evaluate("window.sameDocument") is True
    item = page.locator("#conversation-list li")
    assert item.count() == 1 and item.get_attribute("aria-current") == "true"
    assert DATE.match(item.locator("time").inner_text())
    assert item.locator("a").get_attribute("href") == page.url.removeprefix(live_server.url)
    # Each cited paper once, its quotes under it; [n] numbers the papers.
    papers = page.locator("#turns .turn .citations > li.cited-paper")
    ids = papers.locator(".arxiv-id").all_inner_texts()
    assert ids and len(ids) == len(set(ids))
    for n in range(papers.count()):
        assert papers.nth(n).locator(".cite-number").inner_text() == f"[{n + 1}]"
        assert papers.nth(n).locator("blockquote.quote mark").count() >= 1
    # A follow-up moves no new conversation into the list; the page is still the same document.
    page.fill("#question", "and from gravitational waves?")
    page.press("#question", "Enter")
    page.wait_for_selector("#turns > li.turn:nth-child(2) .citations", timeout=60_000)
    page.wait_for_selector("#conversation-list li[aria-current] time")
    assert page.locator("#conversation-list li").count() == 1
    assert page.evaluate("window.sameDocument") is True
