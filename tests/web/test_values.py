"""Reported results on the web: "results" of GET /api/papers/<id>, GET /api/values, the paper page's Results
table, the values-over-time page (/values) with its SVG plot, and the search page's offer of it."""

import re
from datetime import date

import pytest

from physlit.corpus.models import Paper
from physlit.harvest.upsert import papers_upsert
from physlit.registry.current import slots_reset
from physlit.results.models import Result
from physlit.results.services import QuantityValue, papers_results_extract, papers_unread
from physlit.web.values_plot import value_tex, values_plot
from tests.support.factories import paper_record

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]

# Four papers stating the Hubble constant, oldest first; the last one in another unit's spelling.
HUBBLE = [
    (
        "1603.00001",
        date(2016, 3, 1),
        "Cepheid distances",
        "We measure the Hubble constant H_0 = 73.2 \\pm 1.3 km s^{-1} Mpc^{-1} from Cepheids in 19 galaxies.",
    ),
    (
        "1807.00002",
        date(2018, 7, 17),
        "Cosmological parameters from the CMB",
        "From the cosmic microwave background we find $H_0 = 67.4^{+1.1}_{-0.9}$ km s$^{-1}$ Mpc$^{-1}$.",
    ),
    (
        "2002.00003",
        date(2020, 2, 3),
        "The tip of the red giant branch",
        "Using the tip of the red giant branch, we measure the Hubble constant to be 69.8 \\pm 1.9 "
        "km s^{-1} Mpc^{-1}.",
    ),
    (
        "2105.00004",
        date(2021, 5, 4),
        "Lensing time delays",
        "Lensing time delays give an upper limit on the Hubble constant, H_0 < 80 km/s/Mpc.",
    ),
]


@pytest.fixture
def extracted(settings):
    """The HUBBLE papers, stored and read by the extractor (the patterns: no tagger is current)."""
    settings.PHYSLIT_TAGGER = ""
    slots_reset()
    papers_upsert(
        [
            paper_record(arxiv_id, title=title, abstract=abstract, first_submitted=day)
            for arxiv_id, day, title, abstract in HUBBLE
        ]
    )
    report = papers_results_extract(papers_unread(), log=lambda line: None)
    assert report.results == 4  # one value in each abstract
    yield
    slots_reset()


def svg_of(html: str) -> str:
    return html[html.index('<svg class="values-plot"') : html.index("</svg>")]


# --- the API ------------------------------------------------------------------------------------------------


def test_api_paper_lists_its_results_with_the_verbatim_text(client, extracted):
    data = client.get("/api/papers/1603.00001").json()
    assert data["results"] == [
        {
            "quantity": "H_0",
            "value": "73.2 \\pm 1.3",
            "unit": "km s^{-1} Mpc^{-1}",
            "kind": "measurement",
            "text": HUBBLE[0][3],
        }
    ]
    for result in data["results"]:
        assert result["text"] in data["abstract"] and result["value"] in result["text"]


def test_api_paper_without_results_has_an_empty_list(client, db):
    papers_upsert([paper_record("2401.00001", abstract="A review of dualities in string theory.")])
    assert client.get("/api/papers/2401.00001").json()["results"] == []


def test_api_values_lists_a_quantitys_values_oldest_first(client, extracted):
    response = client.get("/api/values", {"q": "Hubble constant measurements"})
    assert response.status_code == 200
    data = response.json()
    assert data["query"] == "Hubble constant measurements" and data["quantity"] == "hubble constant"
    values = data["values"]
    assert [v["arxiv_id"] for v in values] == ["1603.00001", "1807.00002", "2002.00003", "2105.00004"]
    assert [v["published"] for v in values] == ["2016-03-01", "2018-07-17", "2020-02-03", "2021-05-04"]
    fields = {
        "arxiv_id",
        "title",
        "published",
        "quantity",
        "value",
        "unit",
        "kind",
        "number",
        "error",
        "text",
    }
    assert all(set(v) == fields for v in values)
    assert (values[0]["number"], values[0]["error"], values[0]["kind"]) == (73.2, 1.3, "measurement")
    assert values[3]["kind"] == "upper_bound" and values[3]["value"] == "80"
    # A symbol names the same quantity.
    assert [v["arxiv_id"] for v in client.get("/api/values", {"q": "H_0"}).json()["values"]] == [
        v["arxiv_id"] for v in values
    ]


def test_api_values_of_an_unknown_quantity_is_an_empty_list(client, extracted):
    response = client.get("/api/values", {"q": "muon lifetime"})
    assert response.status_code == 200
    assert response.json()["values"] == []


@pytest.mark.parametrize(
    "params, fragment",
    [
        ({}, "q:"),
        ({"q": "   "}, "q:"),
        ({"q": "x" * 301}, "q:"),
        ({"q": "Hubble\x00constant"}, "q:"),
        ({"q": "H\x07"}, "control"),
    ],
)
def test_api_values_refuses_a_missing_blank_or_bad_q_with_json(client, db, params, fragment):
    response = client.get("/api/values", params)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert fragment in response.json()["error"]


# --- the paper page -----------------------------------------------------------------------------------------


def test_paper_page_shows_the_results_table_linking_to_the_values_page(client, extracted):
    html = client.get("/papers/2105.00004").content.decode()
    table = html[html.index('<table class="results-table">') :]
    table = table[: table.index("</table>")]
    assert '<th scope="col">Quantity</th><th scope="col">Value</th><th scope="col">Kind</th>' in table
    assert 'href="/values?q=hubble%20constant"' in table
    assert "80 km/s/Mpc" in table and "upper bound" in table
    assert (
        'title="Lensing time delays give an upper limit on the Hubble constant, H_0 &lt; 80 km/s/Mpc."'
        in table
    )
    # TeX values and units are set as math for KaTeX.
    html = client.get("/papers/1807.00002").content.decode()
    assert "$67.4^{+1.1}_{-0.9}$ $\\mathrm{km\\ s^{-1}\\ Mpc^{-1}}$" in html


def test_paper_page_without_results_has_no_results_section(client, db):
    papers_upsert([paper_record("2401.00001", abstract="A review of dualities in string theory.")])
    html = client.get("/papers/2401.00001").content.decode()
    assert "results-table" not in html and ">Results" not in html


def test_the_paper_pages_link_finds_a_key_holding_asking_words(client, db):
    """A key such as "age of the universe" round-trips: the link's q is the key itself."""
    papers_upsert([paper_record("2401.00001")])
    Result.objects.create(
        paper=Paper.objects.get(arxiv_id="2401.00001"),
        quantity="age of the Universe",
        quantity_key="age of the universe",
        value="13.8",
        unit="Gyr",
        kind="measurement",
        text="We find the age of the Universe to be 13.8 Gyr.",
        start=0,
        end=4,
        number=13.8,
    )
    html = client.get("/papers/2401.00001").content.decode()
    link = re.search(r'href="(/values\?q=[^"]+)"', html).group(1)
    assert link == "/values?q=age%20of%20the%20universe"
    assert client.get(link).context["rows"][0]["arxiv_id"] == "2401.00001"


# --- the values page ----------------------------------------------------------------------------------------


def test_values_page_plots_each_value_in_the_common_unit_and_lists_them_all(client, extracted):
    response = client.get("/values", {"q": "Hubble constant"})
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r"<h1[^>]*>Hubble constant over time</h1>", html)  # words before the symbol H_0
    svg = svg_of(html)
    # km s^-1 Mpc^-1 however the $ are placed, and km/s/Mpc, are one unit: all four values are plotted, the
    # three measurements as circles with their uncertainty, the bound as a triangle.
    assert svg.count('class="marker"') == 4 and svg.count("<circle") == 3 and svg.count("<polygon") == 1
    assert svg.count('class="error"') == 3
    assert svg.count('href="/papers/') == 4
    assert "not plotted" not in html
    # Years on the x axis, a linear y axis (67 to 73 spans less than two decades).
    assert re.findall(r'text-anchor="middle">(\d{4})</text>', svg) == ["2017", "2018", "2019", "2020", "2021"]
    # The table lists every value oldest first, with its paper and the sentence stating it.
    table = html[html.index('<table class="values-table">') :]
    dates = re.findall(r'<time datetime="([\d-]+)">', table)
    assert dates == ["2016-03-01", "2018-07-17", "2020-02-03", "2021-05-04"]
    assert '<a class="tex" href="/papers/2105.00004">Lensing time delays</a>' in table
    assert "upper bound" in table and "$73.2 \\pm 1.3$" in table
    assert "We measure the Hubble constant H_0 = 73.2 \\pm 1.3 km s^{-1} Mpc^{-1}" in table


def test_values_page_without_a_query_or_values_says_so_with_an_example(client, db):
    for params in ({}, {"q": ""}, {"q": "muon lifetime"}):
        response = client.get("/values", params)
        assert response.status_code == 200
        html = response.content.decode()
        assert 'href="/values?q=Hubble+constant"' in html and "values-plot" not in html
    assert "No paper in this library reports a value of “muon lifetime”" in html


def test_values_page_refuses_an_overlong_query(client, db):
    response = client.get("/values", {"q": "x" * 301})
    assert response.status_code == 400 and "Please check the quantity" in response.content.decode()


def value(published, number, *, unit="", kind="measurement", error=None):
    """A row of quantity_values for values_plot."""
    return QuantityValue(
        arxiv_id="2401.00001",
        title="t",
        published=published,
        quantity="q",
        value=str(number),
        unit=unit,
        kind=kind,
        text="",
        number=number,
        error=error,
    )


def test_plot_uses_a_log_axis_past_two_decades_and_triangles_for_bounds():
    plot = values_plot(
        [
            value(date(2010, 1, 1), 1e-3, unit="eV", kind="upper_bound"),
            value(date(2015, 1, 1), 2.0, unit="eV", kind="lower_bound"),
            value(date(2020, 1, 1), 5.0, unit="eV", error=1.0),
            value(date(2021, 1, 1), 7.0, unit="GeV"),
            value(date(2022, 1, 1), None, unit="eV"),
        ]
    )
    assert plot.log and plot.unit == "eV" and plot.left_out == 2
    assert [p.marker for p in plot.points] == ["triangle", "triangle", "circle"]
    down, up = ([tuple(map(float, c.split(","))) for c in p.points.split()] for p in plot.points[:2])
    assert down[2][1] > down[0][1] and up[2][1] < up[0][1]  # ▼ points down (SVG y grows downwards), ▲ up
    assert [(t.label, t.exponent) for t in plot.y_ticks] == [
        ("10", "-3"),
        ("10", "-2"),
        ("10", "-1"),
        ("10", "0"),
        ("10", "1"),
    ]
    ys = [float(p.y) for p in plot.points]
    assert ys[0] > ys[1] > ys[2]  # larger values higher up
    assert float(plot.points[2].error_top) < float(plot.points[2].y) < float(plot.points[2].error_bottom)


def test_plot_of_values_on_one_day_stays_inside_the_frame_and_none_without_numbers():
    plot = values_plot([value(date(2024, 5, 1), 3.0), value(date(2024, 5, 1), 3.0)])
    assert not plot.log and [t.label for t in plot.x_ticks] == ["2024-05"]
    assert all(
        plot.left < float(p.x) < plot.right and plot.top <= float(p.y) <= plot.baseline for p in plot.points
    )
    assert values_plot([value(date(2024, 5, 1), None)]) is None and values_plot([]) is None


def test_value_tex_sets_tex_as_math_and_leaves_plain_values_plain():
    assert value_tex("0.824^{+0.015}_{-0.015}") == "$0.824^{+0.015}_{-0.015}$"
    assert value_tex("10^6", "M_\\odot") == "$10^6$ $\\mathrm{M_\\odot}$"
    assert value_tex("31.1", "%") == "31.1 %"
    assert value_tex("67.4", "km s$^{-1}$ Mpc$^{-1}") == "67.4 $\\mathrm{km\\ s^{-1}\\ Mpc^{-1}}$"


# --- the search page's offer --------------------------------------------------------------------------------


def test_search_offers_the_values_of_a_quantity_with_three_or_more(client, indexed, extracted):
    html = client.get("/", {"q": "Hubble constant measurements"}).content.decode()
    offer = re.search(r'<p class="values-offer"><a href="([^"]+)">(.+?)</a></p>', html)
    assert offer is not None
    assert offer.group(1) == "/values?q=Hubble%20constant%20measurements"
    text = re.sub(r"<[^>]+>", "", offer.group(2))  # the name sits in a span KaTeX renders
    assert text == "4 reported values of Hubble constant — see them over time"


def test_search_offers_nothing_for_fewer_values_or_other_queries(client, indexed, extracted):
    assert "values-offer" not in client.get("/", {"q": "black holes"}).content.decode()
    Result.objects.filter(paper__arxiv_id__in=["1603.00001", "1807.00002"]).delete()
    assert "values-offer" not in client.get("/", {"q": "Hubble constant"}).content.decode()


def test_one_unit_written_several_ways_is_plotted_together():
    from physlit.web.values_plot import _unit_key

    spellings = [
        "km s$^{-1}$ Mpc$^{-1}$",
        "km/s/Mpc",
        "\\mathrm{km\\,s^{-1}\\,Mpc^{-1}}",
        "km s^{-1} Mpc^{-1}",
    ]
    assert len({_unit_key(u) for u in spellings}) == 1
    assert _unit_key("km/s") != _unit_key("km s^{-1} Mpc^{-1}")


def test_a_quantity_known_only_by_its_symbol_is_headed_in_tex():
    from physlit.web.values_plot import quantity_name

    def named(*quantities):
        return [QuantityValue("x", "t", None, q, "1", "", "measurement", "", 1.0, None) for q in quantities]

    assert quantity_name(named("H_0", "H_0", "Hubble constant")) == "Hubble constant"
    assert quantity_name(named("\\sigma_8", "\\sigma_8", "S")) == "$\\sigma_8$"
    assert quantity_name(named()) == ""
