"""Results in a real headless Chromium: clean URLs from the form, keyboard (/, j, k, Enter), sort by date,
and the "No close match" notice."""

from urllib.parse import parse_qs, urlsplit

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query, keep_blank_values=True)


def test_the_form_sends_only_what_is_set_and_the_panel_stays_closed(live_server, indexed, browser_page):
    page = browser_page
    page.goto(live_server.url + "/")
    page.fill("textarea[name=q]", "black holes")
    page.press("textarea[name=q]", "Enter")
    page.wait_for_selector("ol.results li.result")
    assert query_of(page.url) == {"q": ["black holes"]}
    assert page.locator("details.search-options").get_attribute("open") is None
    # A filter set is sent, and the panel opens on the results page.
    page.click("details.search-options summary")
    page.fill("input[name=author]", "Thorne")
    page.click("form.search button[type=submit]")
    page.wait_for_url("**author=Thorne**")
    assert query_of(page.url) == {"q": ["black holes"], "author": ["Thorne"]}
    assert page.locator("details.search-options").get_attribute("open") is not None


def test_keys_slash_focuses_search_j_k_move_and_enter_opens(live_server, indexed, browser_page, settings):
    settings.PHYSLIT_SEARCH_MATCH_COSINE = (
        settings.PHYSLIT_SEARCH_CLOSE_COSINE
    ) = -1.0  # every paper matches: a longer list to move through
    page = browser_page
    page.goto(live_server.url + "/?q=black+holes")
    page.wait_for_selector("ol.results li.result")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.name") == "q"
    page.evaluate("document.activeElement.blur()")
    items = page.locator("ol.results > li")
    page.keyboard.press("j")
    page.keyboard.press("j")
    assert "kbd-focus" in items.nth(1).get_attribute("class")
    assert "kbd-focus" not in items.nth(0).get_attribute("class")
    page.keyboard.press("k")
    assert "kbd-focus" in items.nth(0).get_attribute("class")
    assert page.evaluate("document.activeElement === document.querySelector('ol.results > li')")
    page.keyboard.press("j")
    second = items.nth(1).locator(".arxiv-id").inner_text()
    page.keyboard.press("Enter")
    page.wait_for_selector("h1.paper-title")
    assert page.url.endswith("/papers/" + second)


def test_sort_by_date_in_the_browser(live_server, indexed, browser_page, settings):
    settings.PHYSLIT_SEARCH_MATCH_COSINE = settings.PHYSLIT_SEARCH_CLOSE_COSINE = -1.0
    page = browser_page
    page.goto(live_server.url + "/?q=black+holes")
    page.wait_for_selector("ol.results li.result")
    page.click("nav.sort >> text=newest first")
    page.wait_for_url("**sort=date**")
    dates = page.locator("ol.results time").evaluate_all("els => els.map(e => e.getAttribute('datetime'))")
    assert len(dates) == 8 and dates == sorted(dates, reverse=True)
    # A new search from this page keeps the order asked for.
    page.fill("textarea[name=q]", "quantum")
    page.press("textarea[name=q]", "Enter")
    page.wait_for_url("**q=quantum**")
    assert query_of(page.url) == {"q": ["quantum"], "sort": ["date"]}


def test_no_close_match_notice_in_the_browser(live_server, indexed, browser_page):
    page = browser_page
    page.goto(live_server.url + "/")
    page.fill("textarea[name=q]", "chocolate chip cookie recipe")
    page.press("textarea[name=q]", "Enter")
    notice = page.wait_for_selector(".notice.no-match")
    assert "No close match for “chocolate chip cookie recipe”" in notice.inner_text()
    assert page.locator("ol.results.weak li").count() == 5
    assert page.locator("p.summary").count() == 0  # no "N matches" count


def test_paging_past_one_hundred_in_the_browser(live_server, many_indexed, browser_page):
    page = browser_page
    page.goto(live_server.url + "/?q=black+hole+entropy")
    page.wait_for_selector("ol.results li.result")
    assert "130 matches" in page.inner_text(".summary")
    seen = set(page.locator("ol.results h2").all_inner_texts())
    for _ in range(5):  # 25 per page: the sixth page holds matches 126-130
        page.click("nav.pager a[rel=next]")
        page.wait_for_load_state()
        seen |= set(page.locator("ol.results h2").all_inner_texts())
    assert "page=6" in page.url and page.locator("ol.results li.result").count() == 5
    assert page.locator("ol.results").get_attribute("start") == "126"
    assert len(seen) == 130  # every match once, past the old cap of 100
