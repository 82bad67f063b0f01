"""arXiv query API harvesting through the real `arxiv` client over HTTP against the fake arXiv."""

import json
import socket
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime

import arxiv
import pytest
import requests
from arxiv import _feed

from physlit.corpus.categories import categories_match
from physlit.corpus.models import HarvestCursor, HarvestRun, Paper
from physlit.harvest import api
from physlit.harvest.api import _check_feed, api_client, api_record
from physlit.harvest.errors import HarvestError, HarvestNetworkError
from physlit.harvest.records import clean_text
from physlit.harvest.services import papers_harvest
from tests.support.fake_arxiv import generate_records

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def small_pages(monkeypatch):
    monkeypatch.setattr(api, "PAGE_SIZE", 5)


def published(record):
    return parsedate_to_datetime(record["versions"][0]["created"])


def harvest_api(**kw):
    kw.setdefault("categories", ["hep-th"])
    return papers_harvest(source="api", **kw)


def test_api_harvest_stores_papers_newest_first_with_versions_and_primary_category_first(fake_arxiv):
    records = generate_records(14, categories=["hep-th", "quant-ph"])
    fake_arxiv.add(records)

    run = harvest_api()

    wanted = [r for r in records if categories_match(r["categories"].split(), ["hep-th"])]
    assert set(Paper.objects.values_list("arxiv_id", flat=True)) == {r["id"] for r in wanted}
    assert (run.status, run.papers_created) == ("succeeded", len(wanted))
    first = fake_arxiv.requests[0].params
    assert (first["search_query"], first["sortBy"], first["sortOrder"]) == (
        "cat:hep-th",
        "submittedDate",
        "descending",
    )
    for record in wanted:
        paper = Paper.objects.get(arxiv_id=record["id"])
        created = [parsedate_to_datetime(v["created"]) for v in record["versions"]]
        assert paper.title == clean_text(record["title"])
        assert paper.categories == record["categories"].split()
        assert paper.primary_category == record["categories"].split()[0]
        assert paper.authors == [f"{f} {k}" for k, f, _ in record["authors_parsed"]]
        assert paper.comments == record["comments"]
        assert paper.doi == (record["doi"] or "") and paper.journal_ref == (record["journal-ref"] or "")
        assert (paper.first_submitted, paper.last_updated) == (created[0].date(), created[-1].date())
        assert paper.latest_version == len(created)
        expected_versions = [(1, created[0])] + ([(len(created), created[-1])] if len(created) > 1 else [])
        assert list(paper.versions.values_list("version", "submitted")) == expected_versions
        assert paper.sources["title"] == "api"
    cursor = HarvestCursor.objects.get(source="api", set_spec="cat:hep-th")
    assert cursor.from_date == max(published(r) for r in wanted).date()


def test_api_harvest_without_a_cursor_stops_at_the_first_page_of_papers_already_stored(fake_arxiv):
    fake_arxiv.add(generate_records(20, categories=["hep-th"]))
    first_run = harvest_api()
    assert first_run.papers_created == 20 and len(fake_arxiv.requests) == 4
    HarvestCursor.objects.all().delete()  # as if the corpus came from a snapshot

    fake_arxiv.add(generate_records(3, categories=["hep-th"], start=date(2025, 6, 1), id_offset=500))
    before = len(fake_arxiv.requests)
    run = harvest_api()

    # Page 1: three new papers and two stored ones; page 2: all stored, so stop there.
    assert len(fake_arxiv.requests) - before == 2
    assert (run.papers_created, run.papers_updated, run.pages) == (3, 0, 2)
    assert Paper.objects.count() == 23


def test_an_interrupted_api_run_leaves_the_cursor_and_the_rerun_fetches_everything(fake_arxiv):
    older = generate_records(10, categories=["hep-th"])
    fake_arxiv.add(older)
    harvest_api()
    cursor = HarvestCursor.objects.get()
    assert cursor.from_date == max(published(r) for r in older).date()
    newer = generate_records(20, categories=["hep-th"], start=date(2025, 6, 1), id_offset=500)
    fake_arxiv.add(newer)
    fake_arxiv.fail_next(100, status=503, after=1)  # page 2 never comes

    with pytest.raises(HarvestNetworkError):
        harvest_api()
    assert Paper.objects.count() == 15
    cursor.refresh_from_db()
    assert cursor.from_date == max(published(r) for r in older).date()

    fake_arxiv.clear_faults()
    first = len(fake_arxiv.requests)
    rerun = harvest_api()

    assert rerun.papers_created == 15 and Paper.objects.count() == 30
    # Down to a day before the cursor, and no further.
    since = cursor.from_date - timedelta(days=1)
    reached = sum(published(r).date() >= since for r in older + newer)
    assert len(fake_arxiv.requests) - first == -(-(reached + 1) // 5)
    cursor.refresh_from_db()
    assert cursor.from_date == max(published(r) for r in newer).date()


def test_an_interrupted_first_api_run_is_completed_by_the_rerun(fake_arxiv):
    records = generate_records(20, categories=["hep-th"])
    fake_arxiv.add(records)
    fake_arxiv.fail_next(100, status=503, after=1)
    with pytest.raises(HarvestNetworkError):
        harvest_api()
    assert Paper.objects.count() == 5
    assert HarvestCursor.objects.get().from_date is None

    fake_arxiv.clear_faults()
    rerun = harvest_api()

    # Page 1 is all stored, by the interrupted run: no sign that what lies below is.
    assert rerun.papers_created == 15
    assert set(Paper.objects.values_list("arxiv_id", flat=True)) == {r["id"] for r in records}
    cursor = HarvestCursor.objects.get()
    assert (cursor.from_date, cursor.list_from_date) == (max(published(r) for r in records).date(), None)


def test_api_harvest_stops_where_results_get_older_than_since(fake_arxiv):
    records = generate_records(20, categories=["hep-th"])  # one every 13 hours from 2024-01-01
    fake_arxiv.add(records)
    since = date(2024, 1, 6)

    run = harvest_api(since=since)

    expected = {r["id"] for r in records if published(r).date() >= since}
    assert set(Paper.objects.values_list("arxiv_id", flat=True)) == expected
    assert run.papers_created == len(expected) < 20
    assert len(fake_arxiv.requests) == -(-(len(expected) + 1) // 5)  # no page past the first older one


def test_api_harvest_respects_max_records(fake_arxiv):
    records = generate_records(20, categories=["hep-th"])
    fake_arxiv.add(records)

    run = harvest_api(max_records=7)

    newest = sorted(records, key=published, reverse=True)[:7]
    assert set(Paper.objects.values_list("arxiv_id", flat=True)) == {r["id"] for r in newest}
    assert run.papers_created == 7 and len(fake_arxiv.requests) == 2


def test_api_harvest_of_several_categories_asks_for_their_or(fake_arxiv):
    records = generate_records(12, categories=["hep-th", "quant-ph", "gr-qc"])
    fake_arxiv.add(records)

    harvest_api(categories=["hep-th", "gr-qc"])

    assert fake_arxiv.requests[0].params["search_query"] == "cat:hep-th OR cat:gr-qc"
    expected = {r["id"] for r in records if categories_match(r["categories"].split(), ["hep-th", "gr-qc"])}
    assert set(Paper.objects.values_list("arxiv_id", flat=True)) == expected
    assert set(HarvestCursor.objects.values_list("set_spec", flat=True)) == {"cat:hep-th", "cat:gr-qc"}


def test_api_faults_are_retried_transparently(fake_arxiv, settings):
    settings.PHYSLIT_HARVEST_RETRIES = 3
    fake_arxiv.add(generate_records(12, categories=["hep-th"]))
    fake_arxiv.fail_next(1, status=503, retry_after=0)
    fake_arxiv.malformed_next(1)
    fake_arxiv.drop_next(1)
    fake_arxiv.empty_next(1, after=1)  # page 2 comes back empty once: the client asks again

    run = harvest_api()

    assert run.status == "succeeded" and Paper.objects.count() == 12
    assert [r.fault for r in fake_arxiv.requests] == ["status", "malformed", "drop", "", "empty", "", ""]


def test_transport_and_body_faults_share_one_retry_budget(fake_arxiv):
    fake_arxiv.add(generate_records(12, categories=["hep-th"]))
    fake_arxiv.fail_next(1, status=503, retry_after=0)  # retried inside urllib3
    fake_arxiv.malformed_next(1)  # retried by http_get
    fake_arxiv.drop_next(1)  # the third fault, with PHYSLIT_HARVEST_RETRIES=2 in the fixture

    with pytest.raises(HarvestNetworkError, match="gave up after 3 attempts"):
        harvest_api()
    assert [r.fault for r in fake_arxiv.requests] == ["status", "malformed", "drop"]


def test_api_page_that_stays_empty_is_a_network_error(fake_arxiv):
    fake_arxiv.add(generate_records(12, categories=["hep-th"]))
    fake_arxiv.empty_next(10, after=1)

    with pytest.raises(HarvestNetworkError, match="empty page"):
        harvest_api()
    assert Paper.objects.count() == 5
    assert HarvestRun.objects.get().status == "failed"


def test_api_400_is_reported_with_arxivs_own_message_and_not_retried(fake_arxiv):
    client = api_client()
    with pytest.raises(HarvestError, match="HTTP 400.*incorrect id format for abc") as caught:
        list(client.results(arxiv.Search(id_list=["abc"])))
    assert not isinstance(caught.value, HarvestNetworkError)
    assert len(fake_arxiv.requests) == 1


def test_api_unreachable_is_a_network_error_naming_the_url(settings):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings.PHYSLIT_ARXIV_API_URL = f"http://127.0.0.1:{port}/api/query"
    settings.PHYSLIT_HARVEST_DELAY = 0.01
    settings.PHYSLIT_HARVEST_RETRIES = 1

    with pytest.raises(
        HarvestNetworkError,
        match=f"could not reach arXiv at http://127.0.0.1:{port}/api/query: connection refused",
    ):
        harvest_api()
    run = HarvestRun.objects.get()
    assert run.status == "failed" and "connection refused" in run.error


def test_blank_author_names_and_categories_are_left_out():
    moment = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    result = arxiv.Result(
        entry_id="http://arxiv.org/abs/2401.00001v1",
        updated=moment,
        published=moment,
        title="A title",
        authors=[
            arxiv.Result.Author("  "),
            arxiv.Result.Author(" Ana\n Núñez "),
            arxiv.Result.Author("\x00"),
        ],
        primary_category="hep-th",
        categories=["hep-th", " ", "gr-qc"],
    )

    record = api_record(result)

    assert record.authors == ["Ana Núñez"]
    assert record.categories == ["hep-th", "gr-qc"]


# --- real arXiv API responses -------------------------------------------------------------------


def test_real_atom_entry_maps_to_a_paper_record(fixtures_dir):
    feed = _feed.parse(
        (fixtures_dir / "arxiv-api" / "2016-10-10_a7d7a7d3_id_list-1111.2011v2.xml").read_bytes()
    )
    record = api_record(feed.results[0])
    assert (record.arxiv_id, record.latest_version) == ("1111.2011", 2)
    assert (
        record.title
        == "Quantum Criticality for Extended Nodes on a Bethe Lattice in the Large Connectivity Limit"
    )
    assert record.authors == ["James M. Murray", "Adrian Del Maestro", "Zlatko Tesanovic"]
    assert record.categories == ["cond-mat.str-el", "cond-mat.stat-mech"]
    assert record.journal_ref == "Phys. Rev. B 85, 115117 (2012)"
    assert record.doi == "10.1103/PhysRevB.85.115117"
    assert record.comments == "8 pages, 3 figures. Published version"
    assert (record.first_submitted, record.last_updated) == (date(2011, 11, 8), date(2012, 4, 2))
    assert [v.version for v in record.versions] == [1, 2]


def test_real_recent_feed_with_old_style_ids_maps(fixtures_dir):
    body = json.loads(
        (
            fixtures_dir / "arxiv-api" / "2026-05-17_0304c90a_id_quant-ph_0201082v1_s0_m100_86989fe779ef.json"
        ).read_text()
    )["body"]
    record = api_record(_feed.parse(body.encode()).results[0])
    assert record.arxiv_id == "quant-ph/0201082" and record.latest_version == 1
    assert record.categories[0] == "quant-ph"


def test_real_400_error_feed_becomes_a_clear_harvest_error(fixtures_dir):
    recorded = json.loads(
        (fixtures_dir / "arxiv-api" / "2026-05-17_eb5ed1e1_id_abc_s0_m100_b79c8dcf6bc3.json").read_text()
    )
    response = requests.Response()
    response.status_code = recorded["status_code"]
    response._content = recorded["body"].encode()
    response.url = recorded["url"]
    with pytest.raises(HarvestError, match=r"HTTP 400\): incorrect id format for abc"):
        _check_feed(response)
