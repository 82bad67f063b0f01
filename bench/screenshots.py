"""Screenshots of the pages a physicist sees, taken in headless Chromium from a running physlit server:
home, results (with its trend chart), a paper, an author, the chat (after one question), a category's trend,
the corpus map; light theme, 1280 px wide, into docs/screenshots/.

    .venv/bin/python bench/screenshots.py --url http://127.0.0.1:8000 [--out docs/screenshots]
    .venv/bin/python bench/screenshots.py --url http://127.0.0.1:8001 --values   # a server on the 83k corpus

--values takes only the reported-results pages instead: the values over time of three quantities the 83k
corpus reports often (values-<quantity>.png), a paper's Results table and the search page's offer.

Serve the 3k demo first (`make run SNAPSHOT=../shared/data/arxiv-physics-3k.jsonl`), once the first start
is done (var/first-start.log ends with "first start done"), so summaries and the trained reader show.
"""

from __future__ import annotations

import json
import os
import shutil
import urllib.parse
import urllib.request
from pathlib import Path

from harness import ROOT, parser_make

QUERY = "weak lensing constraints on sigma_8"
QUESTION = "What value of S8 does the HSC-Y1 marked power spectra analysis find?"
CATEGORY = "astro-ph.CO"
QUANTITIES = ("Hubble constant", "tensor-to-scalar ratio", "S_8")


def main() -> None:
    parser = parser_make(__doc__)
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--values", action="store_true", help="only the reported-results pages")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    chromium = os.environ.get("PHYSLIT_CHROMIUM") or shutil.which("chromium")
    if not chromium:
        raise SystemExit("no Chromium found (apt-get install chromium, or set PHYSLIT_CHROMIUM)")
    base = args.url.rstrip("/")
    if args.values:
        values_shots(base, args.out, chromium)
        return
    with urllib.request.urlopen(f"{base}/api/search?" + urllib.parse.urlencode({"q": QUERY, "k": 1})) as r:
        first = json.load(r)["results"][0]
    author = first["authors"][0]
    args.out.mkdir(parents=True, exist_ok=True)
    shots = [
        ("home", "/", None),
        ("results", "/?" + urllib.parse.urlencode({"q": QUERY}), "ol.results"),
        ("paper", f"/papers/{first['arxiv_id']}", "h1.paper-title"),
        ("author", "/authors/" + urllib.parse.quote(author), "h1"),
        ("trend", "/?" + urllib.parse.urlencode({"category": CATEGORY}), ".trend"),
        ("map", "/map", "[data-points]"),
    ]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 900}, color_scheme="light")
        for name, path, ready in shots:
            page.goto(base + path)
            if ready:
                page.wait_for_selector(ready, timeout=60_000)
            page.wait_for_timeout(800)  # KaTeX and the scripts settle
            page.screenshot(path=str(args.out / f"{name}.png"), full_page=name in ("paper", "author"))
            print(f"{name}: {path}")
        page.goto(base + "/chat")
        page.fill("textarea[name=question]", QUESTION)
        page.press("textarea[name=question]", "Enter")
        page.wait_for_selector(".turn .turn-answer", timeout=120_000)
        page.wait_for_timeout(800)
        page.screenshot(path=str(args.out / "chat.png"), full_page=True)
        print(f"chat: {QUESTION}")
        browser.close()


def values_shots(base: str, out: Path, chromium: str) -> None:
    from playwright.sync_api import sync_playwright

    with urllib.request.urlopen(f"{base}/api/values?" + urllib.parse.urlencode({"q": QUANTITIES[0]})) as r:
        newest = json.load(r)["values"][-1]
    shots = [
        (
            f"values-{q.lower().replace(' ', '-').replace('_', '')}",
            "/values?" + urllib.parse.urlencode({"q": q}),
        )
        for q in QUANTITIES
    ]
    shots += [
        ("values-offer", "/?" + urllib.parse.urlencode({"q": "Hubble constant measurements"})),
        ("paper-results", f"/papers/{newest['arxiv_id']}"),
    ]
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 900}, color_scheme="light")
        for name, path in shots:
            page.goto(base + path)
            page.wait_for_timeout(1200)  # KaTeX settles
            page.screenshot(path=str(out / f"{name}.png"), full_page=name.startswith("paper"))
            print(f"{name}: {path}")
        browser.close()


if __name__ == "__main__":
    main()
