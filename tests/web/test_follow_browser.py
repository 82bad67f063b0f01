"""A real headless Chromium: save a search, find it among the saved searches with a working feed link, see
what is new in it since the last visit, and read a trend chart's bars."""

import json

import feedparser
import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_save_a_search_then_find_it_saved_with_a_working_feed(live_server, indexed, browser_page):
    page = browser_page
    page.goto(live_server.url + "/?q=black+holes&category=gr-qc")
    save = page.locator("[data-save-search]")
    save.wait_for(state="visible")
    assert save.inner_text() == "Save search"
    save.click()
    assert save.get_attribute("aria-pressed") == "true"

    page.goto(live_server.url + "/")
    page.wait_for_selector(".saved-list li.saved")
    assert page.locator(".saved-list li.saved").count() == 1
    label = page.locator(".saved-label")
    assert label.inner_text() == "black holes in gr-qc"
    assert label.get_attribute("href") == "/?q=black+holes&category=gr-qc"
    feed_href = page.locator(".saved-head .feed-link").get_attribute("href")
    assert feed_href == "/feeds/search.atom?q=black+holes&category=gr-qc"

    response = page.request.get(live_server.url + feed_href)
    assert response.ok and response.headers["content-type"].startswith("application/atom+xml")
    parsed = feedparser.parse(response.body())
    assert not parsed.bozo
    assert [e.id for e in parsed.entries] == [
        "https://arxiv.org/abs/2401.00001",
        "https://arxiv.org/abs/2401.00006",
    ]

    page.click(".saved-head button")  # Remove
    assert page.locator(".saved-list li.saved").count() == 0
    assert page.evaluate("JSON.parse(localStorage.getItem('physlit.saved'))") == []


def test_home_page_shows_papers_new_in_saved_searches_since_the_last_visit(
    live_server, indexed, browser_page
):
    page = browser_page
    page.goto(live_server.url + "/")
    saved = [
        {"feed": "/feeds/search.atom?q=black+holes&category=gr-qc", "page": "/?q=black+holes", "label": "bh"},
        {"feed": "/feeds/category/hep-ph.atom", "page": "/?category=hep-ph", "label": "newest in hep-ph"},
    ]
    # A browser that last came on 2024-01-01 and saved two searches before; a new session since.
    page.evaluate(
        "([saved]) => { localStorage.setItem('physlit.saved', saved);"
        " localStorage.setItem('physlit.lastVisit', '2024-01-01'); sessionStorage.clear(); }",
        [json.dumps(saved)],
    )
    page.reload()
    page.wait_for_selector(".saved-new li a")
    assert page.locator(".saved-list li.saved").count() == 2
    new = page.locator(".saved-new li a").all_inner_texts()
    assert new == ["Entanglement entropy of black hole horizons in AdS/CFT"]  # 2024-01-10; 2401.00006 is 2020
    counts = page.locator(".saved-count").all_inner_texts()
    assert counts == ["1 new", "0 new"]
    assert page.locator(".saved-new li a").get_attribute("href").endswith("/papers/2401.00001")
    # The same session keeps its "since" across reloads; the visit itself is recorded for the next session.
    page.reload()
    page.wait_for_selector(".saved-new li a")
    assert page.evaluate("localStorage.getItem('physlit.lastVisit')") > "2024-01-01"


def test_trend_chart_bars_carry_each_months_count(live_server, indexed, browser_page):
    page = browser_page
    page.goto(live_server.url + "/?q=black+holes&category=gr-qc")
    page.wait_for_selector("svg.trend-chart")
    titles = page.locator("svg.trend-chart g.month > title").all_text_contents()
    assert len(titles) == page.locator("svg.trend-chart rect.bar").count() == 48
    assert [t for t in titles if not t.endswith(": 0 papers")] == ["2020-02: 1 paper", "2024-01: 1 paper"]
    # The chart is drawn: the busiest months' bars have height, the empty months' none.
    heights = page.locator("svg.trend-chart rect.bar").evaluate_all(
        "bars => bars.map(b => b.getBBox().height)"
    )
    assert heights[0] > 0 and heights[-1] > 0 and sum(heights[1:-1]) == 0

    page.goto(live_server.url + "/?category=hep-th")
    page.wait_for_selector("svg.trend-chart")
    counts = page.locator("svg.trend-chart g.month").evaluate_all("gs => gs.map(g => +g.dataset.count)")
    assert sum(counts) == 2  # 2401.00001 and 2401.00008
