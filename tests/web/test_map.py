"""The corpus map page and /api/map: a notice while the map is computed, then the points; in a real Chromium
the canvas is drawn, the legend lists the archives, and a click opens a paper."""

import pytest

from physlit.search.corpus_map import corpus_map_build

pytestmark = pytest.mark.django_db


@pytest.fixture
def mapped(indexed):
    corpus_map_build(indexed.pk)
    return indexed


def test_before_the_map_exists_page_and_api_say_it_is_being_computed(client, indexed):
    page = client.get("/map")
    assert page.status_code == 200 and b"being computed" in page.content and b"<canvas" not in page.content
    response = client.get("/api/map")
    assert response.status_code == 503 and "being computed" in response.json()["error"]


def test_api_map_serves_points_with_archives(client, mapped):
    data = client.get("/api/map").json()
    assert (data["index"], data["count"], data["shown"]) == (mapped.pk, 8, 8)
    assert {p["arxiv_id"]: p["archive"] for p in data["points"]}["2401.00004"] == "cond-mat"
    assert set(data["archives"]) == {"hep-th", "quant-ph", "astro-ph", "cond-mat", "gr-qc", "hep-ph"}


def test_map_page_has_the_canvas_and_a_nav_link(client, mapped):
    html = client.get("/map").content.decode()
    assert '<canvas id="map-canvas"' in html and "js/map.js" in html
    assert 'href="/map" aria-current="page">Map</a>' in html
    assert 'href="/map"' in client.get("/").content.decode()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_canvas_draws_points_and_legend_and_a_click_opens_the_paper(live_server, mapped, browser_page):
    page = browser_page
    page.goto(live_server.url + "/map")
    page.wait_for_selector("#corpus-map[data-points]")
    assert page.get_attribute("#corpus-map", "data-points") == "8"
    legend = page.locator("#map-legend li").evaluate_all("items => items.map(i => i.dataset.archive)")
    assert legend[:2] == ["hep-th", "quant-ph"] and len(legend) == 6
    # Something was painted: the canvas has pixels that are not transparent.
    painted = page.evaluate(
        "() => { const c = document.getElementById('map-canvas');"
        " const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
        " let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i]) n++; return n; }"
    )
    assert painted > 8
    # Point at the first paper's dot (from the same layout the script used), see its title, click it.
    target = page.evaluate(
        "async () => { const data = await (await fetch('/api/map')).json();"
        " const c = document.getElementById('map-canvas'), r = c.getBoundingClientRect();"
        " const xs = data.points.map(p => p.x), ys = data.points.map(p => p.y);"
        " const minX = Math.min(...xs), maxX = Math.max(...xs);"
        " const minY = Math.min(...ys), maxY = Math.max(...ys);"
        " const s = Math.min((c.width - 24) / (maxX - minX || 1), (c.height - 24) / (maxY - minY || 1));"
        " const p = data.points[0];"
        " return {id: p.arxiv_id, x: r.left + (12 + (p.x - minX) * s) * r.width / c.width,"
        " y: r.top + (c.height - 12 - (p.y - minY) * s) * r.height / c.height}; }"
    )
    page.mouse.move(target["x"], target["y"])
    page.wait_for_function("() => document.getElementById('map-tip').textContent.includes(' — ')")
    assert target["id"] in page.inner_text("#map-tip")
    page.mouse.click(target["x"], target["y"])
    page.wait_for_url(f"**/papers/{target['id']}")
