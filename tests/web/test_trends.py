"""Trends: papers per month as an SVG bar chart on results and category pages, and GET /api/trends."""

import re
from datetime import date

import pytest

from physlit.harvest.upsert import papers_upsert
from physlit.web.trends import trend_chart
from tests.support.factories import paper_record

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]

GR_QC_BLACK_HOLES = {"2020-02": 1, "2024-01": 1}  # 2401.00006 and 2401.00001 of the test corpus


def chart_months(html: str) -> dict[str, int]:
    """{month: count} read from the chart's hover titles, one per bar."""
    svg = html[html.index('<svg class="trend-chart"') : html.index("</svg>")]
    titles = re.findall(r"<title>(\d{4}-\d{2}): (\d+) papers?</title>", svg)
    assert len(titles) == svg.count('<rect class="bar"')
    return {month: int(count) for month, count in titles}


def nonzero(months: dict[str, int]) -> dict[str, int]:
    return {m: n for m, n in months.items() if n}


def test_chart_has_one_bar_per_month_scaled_to_the_busiest():
    chart = trend_chart([("2023-12", 2), ("2024-01", 0), ("2024-02", 4)])
    assert [(b.month, b.count) for b in chart.bars] == [("2023-12", 2), ("2024-01", 0), ("2024-02", 4)]
    heights = [float(b.height) for b in chart.bars]
    assert heights[2] == chart.plot_height and heights[0] == chart.plot_height / 2 and heights[1] == 0
    assert [float(b.y) + float(b.height) for b in chart.bars] == [
        chart.baseline
    ] * 3  # bars stand on the axis
    assert [t.label for t in chart.ticks] == ["2023-12", "2024-01", "2024-02"]
    assert (chart.total, chart.peak, chart.peak_month, chart.first, chart.last) == (
        6,
        4,
        "2024-02",
        "2023-12",
        "2024-02",
    )


def test_long_charts_label_years_at_their_januaries_and_fit_the_width():
    months = [(f"{y}-{m:02d}", 1) for y in range(1991, 2026) for m in range(1, 13)][7:]  # 1991-08 .. 2025-12
    chart = trend_chart(months)
    labels = [t.label for t in chart.ticks]
    assert len(labels) <= 12 and labels[0] == "1992" and all(re.fullmatch(r"\d{4}", x) for x in labels)
    last = chart.bars[-1]
    assert float(last.slot_x) + float(last.slot_width) <= chart.width
    assert trend_chart([]) is None


def test_results_page_charts_the_matches_it_shows(client, indexed):
    response = client.get("/", {"q": "black holes", "category": "gr-qc"})
    months = chart_months(response.content.decode())
    assert nonzero(months) == GR_QC_BLACK_HOLES
    assert len(months) == 48 and min(months) == "2020-02" and max(months) == "2024-01"  # every month between
    shown = {p["paper"].first_submitted.strftime("%Y-%m") for p in response.context["page"].object_list}
    assert shown == set(GR_QC_BLACK_HOLES)


def test_category_page_charts_every_paper_in_the_category(client, db):
    papers_upsert(
        [
            *[paper_record(f"2401.{n:05d}", first_submitted=date(2024, 1, 1 + n)) for n in range(30)],
            paper_record("2403.00001", categories=["quant-ph", "hep-th"], first_submitted=date(2024, 3, 5)),
            paper_record("2403.00002", categories=["quant-ph"], first_submitted=date(2024, 3, 6)),
        ]
    )
    html = client.get("/?category=hep-th").content.decode()  # 25 papers a page; the chart counts all 31
    assert chart_months(html) == {"2024-01": 30, "2024-02": 0, "2024-03": 1}
    assert "31 papers by month of first submission, 2024-01 to 2024-03" in html
    assert chart_months(client.get("/?archive=quant-ph").content.decode()) == {"2024-03": 2}


def test_pages_without_a_topic_have_no_chart(client, indexed):
    assert "trend-chart" not in client.get("/").content.decode()
    assert "trend-chart" not in client.get("/?category=no-such-thing").content.decode()


def test_api_trends_of_a_query_count_its_relevant_matches(client, indexed):
    response = client.get("/api/trends", {"q": "black holes", "category": "gr-qc"})
    assert response.status_code == 200
    months = response.json()["months"]
    assert months[0] == {"month": "2020-02", "count": 1} and months[-1] == {"month": "2024-01", "count": 1}
    assert sum(m["count"] for m in months) == 2 and len(months) == 48
    page = chart_months(client.get("/", {"q": "black holes", "category": "gr-qc"}).content.decode())
    assert {m["month"]: m["count"] for m in months} == page


def test_api_trends_of_a_category_count_every_paper_in_it(client, indexed):
    data = client.get("/api/trends", {"category": "astro-ph"}).json()
    assert [m for m in data["months"] if m["count"]] == [
        {"month": "2020-02", "count": 1},
        {"month": "2023-06", "count": 1},
    ]
    assert set(data) == {"months"}


@pytest.mark.parametrize(
    "params,fragment",
    [
        ({}, "q (a search) or category"),
        ({"q": "   "}, "q (a search) or category"),
        ({"category": "no-such-thing"}, "unknown category"),
        ({"category": "hep\x00th"}, "category"),
        ({"category": "hep-th", "author": "Witten"}, "need q"),
        ({"q": "x", "category": "hep-nonsense"}, "unknown category"),
        ({"q": "x", "date_from": "2024-13-01"}, "date_from"),
        ({"q": "x", "mode": "magic"}, "mode"),
        ({"q": "x" * 5000}, "at most 4000 characters"),
    ],
)
def test_api_trends_bad_parameters_get_a_clear_400(client, indexed, params, fragment):
    response = client.get("/api/trends", params)
    assert response.status_code == 400
    assert fragment in response.json()["error"]


def test_api_trends_of_a_query_without_an_index_is_503_but_a_category_still_counts(client, search_settings):
    papers_upsert([paper_record("2401.00001")])
    response = client.get("/api/trends", {"q": "anything"})
    assert response.status_code == 503 and "build_index" in response.json()["error"]
    assert client.get("/api/trends", {"category": "hep-th"}).json() == {
        "months": [{"month": "2024-01", "count": 1}]
    }


def test_api_trends_refuses_post(client, db):
    response = client.post("/api/trends", {"category": "hep-th"})
    assert response.status_code == 405 and "error" in response.json()
