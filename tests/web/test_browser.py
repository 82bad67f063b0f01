"""A real headless Chromium: type a query, see results, open a paper, see its math rendered by KaTeX."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_search_open_paper_and_see_rendered_math(live_server, indexed, browser_page):
    page = browser_page
    page.goto(live_server.url + "/")
    page.fill("textarea[name=q]", "entanglement entropy of black hole horizons")
    page.press("textarea[name=q]", "Enter")
    page.wait_for_selector("ol.results li.result")
    titles = page.locator("ol.results h2").all_inner_texts()
    assert "Entanglement entropy of black hole horizons in AdS/CFT" in titles[0]
    page.click("ol.results li.result >> nth=0 >> h2 a")
    page.wait_for_selector("h1.paper-title")
    assert page.url.endswith("/papers/2401.00001")
    # $S = A/4G_N$ in the abstract is typeset by KaTeX, not left as TeX source.
    page.wait_for_selector(".abstract .katex")
    assert "$S" not in page.inner_text(".abstract")
    assert page.locator(".similar li").count() > 0
