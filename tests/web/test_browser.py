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


XSS = '<script>alert("x")</script><img src=x onerror=alert("y")> $\\href{javascript:alert(1)}{x}$'


@pytest.fixture
def xss_indexed(db, search_settings):
    """The corpus plus a paper whose harvested fields carry script, indexed (before the browser starts:
    Django refuses database calls from inside Playwright's event loop)."""
    from physlit.harvest.upsert import papers_upsert
    from physlit.search.build import index_build
    from tests.support.corpus import corpus_records
    from tests.support.factories import paper_record

    papers_upsert(
        [
            *corpus_records(),
            paper_record(
                "2401.00666",
                title=f"Entanglement islands {XSS}",
                abstract=f"Entanglement islands in evaporating black holes. {XSS}",
                authors=['<img src=x onerror=alert("a")>'],
                comments=XSS,
            ),
        ]
    )
    return index_build()


def test_script_in_harvested_fields_stays_inert_text_in_the_browser(live_server, xss_indexed, browser_page):
    page = browser_page
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(live_server.url + "/?q=entanglement+islands")
    page.wait_for_selector("ol.results li.result")
    page.goto(live_server.url + "/papers/2401.00666")
    page.wait_for_selector("h1.paper-title")
    page.wait_for_timeout(300)  # give an injected handler (an <img> onerror) the time to fire
    assert dialogs == []
    assert '<script>alert("x")</script>' in page.inner_text("h1.paper-title")  # shown as text
    assert page.locator("script:not([src])").count() == 0  # nothing inline was injected
