"""A real headless Chromium: an author's name in a search result opens their page; TeX text escapes and
unknown macros in titles and abstracts show as plain text, never as red KaTeX error source."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_author_name_in_a_search_result_opens_the_author_page(live_server, indexed, browser_page):
    page = browser_page
    page.goto(live_server.url + "/?q=entanglement+entropy+of+black+hole+horizons")
    page.wait_for_selector("ol.results li.result")
    page.click("ol.results li.result >> nth=0 >> a.author:text-is('Ana Núñez')")
    page.wait_for_selector("ol.papers li.paper")
    assert page.inner_text("h1") == "Ana Núñez"
    assert "Entanglement entropy of black hole horizons in AdS/CFT" in page.inner_text("ol.papers")
    assert "Juan Maldacena" in page.inner_text(".coauthors")


@pytest.fixture
def tex_paper(db):
    """Stored before the browser starts: Django refuses database calls inside Playwright's event loop."""
    from physlit.harvest.upsert import papers_upsert
    from tests.support.factories import paper_record

    papers_upsert(
        [
            paper_record(
                "2401.00777",
                title=r"A 20-30\% rise in $\Bz \to \pip \pi^-$ decays",
                abstract=r"As Fig.~1 shows for A\&B with $x_\Bz$, see http://example.org/~user and ~10 GeV.",
            )
        ]
    )


def test_text_escapes_render_and_unknown_macros_are_plain_text(live_server, tex_paper, browser_page):
    page = browser_page
    page.goto(live_server.url + "/papers/2401.00777")
    page.wait_for_selector("h1.paper-title .katex")
    title = page.inner_text("h1.paper-title")
    assert "20-30%" in title and "\\%" not in title
    assert "Bz" in title and "pip" in title  # the unknown macros, upright, inside the typeset formula
    abstract = page.text_content(".abstract")
    assert "Fig.\u00a01" in abstract and "A&B" in abstract
    assert "/~user" in abstract and " ~10 GeV" in abstract  # a URL's tilde and "about" stay
    assert page.locator(".katex-error").count() == 0
    red = page.evaluate(
        "() => [...document.querySelectorAll('.tex *')]"
        ".filter(e => getComputedStyle(e).color === 'rgb(204, 0, 0)').length"
    )
    assert red == 0
