"""OAI-PMH harvesting through the real client over HTTP against the fake arXiv; the harvest command."""

import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from physlit.corpus.categories import categories_match
from physlit.corpus.models import HarvestCursor, HarvestRun, Paper
from physlit.harvest import oai
from physlit.harvest.errors import HarvestError, HarvestNetworkError
from physlit.harvest.oai import oai_page_parse
from physlit.harvest.records import clean_text
from physlit.harvest.services import papers_harvest
from tests.support.fake_arxiv import FakeArxiv, generate_records

ROOT = Path(__file__).resolve().parents[2]


def utc_today():
    return datetime.now(UTC).date()


def ids_matching(records, *wanted):
    return {r["id"] for r in records if categories_match(r["categories"].split(), wanted)}


def version_dates(record):
    return [(int(v["version"][1:]), parsedate_to_datetime(v["created"])) for v in record["versions"]]


def harvest_oai(**kw):
    kw.setdefault("categories", ["hep-th"])
    return papers_harvest(source="oai", **kw)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- what gets stored ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_oai_harvest_of_a_set_stores_its_records_with_authors_in_order_and_primary_category_first(fake_arxiv):
    records = generate_records(24, categories=["hep-th", "quant-ph", "gr-qc"])
    fake_arxiv.add(records)

    run = harvest_oai(metadata_prefix="arXiv")

    expected = ids_matching(records, "hep-th")
    assert set(Paper.objects.values_list("arxiv_id", flat=True)) == expected
    assert (run.status, run.papers_created, run.records_skipped) == ("succeeded", len(expected), 0)
    assert run.pages == -(-len(expected) // 5) and run.finished_at is not None
    for record in records:
        if record["id"] not in expected:
            continue
        paper = Paper.objects.get(arxiv_id=record["id"])
        assert paper.title == clean_text(record["title"])
        assert paper.abstract == clean_text(record["abstract"])
        assert paper.authors == [
            f"{forenames} {keyname}" for keyname, forenames, _ in record["authors_parsed"]
        ]
        assert paper.categories == record["categories"].split()
        assert paper.primary_category == record["categories"].split()[0]
        assert paper.comments == record["comments"]
        assert paper.journal_ref == (record["journal-ref"] or "")
        assert paper.doi == (record["doi"] or "")
        assert paper.license == record["license"]
        dates = version_dates(record)
        assert paper.first_submitted == dates[0][1].date()
        assert paper.last_updated == dates[-1][1].date()
        assert paper.sources["title"] == "oai:arXiv"
    assert {r.params.get("set") for r in fake_arxiv.requests} == {"physics:hep-th", None}


@pytest.mark.django_db
def test_arxivraw_harvest_stores_every_version_with_its_date_and_the_submitter(fake_arxiv):
    records = generate_records(15, categories=["hep-th"])
    fake_arxiv.add(records)

    harvest_oai(metadata_prefix="arXivRaw")

    assert any(len(r["versions"]) > 1 for r in records)
    for record in records:
        paper = Paper.objects.get(arxiv_id=record["id"])
        stored = [(v.version, v.submitted, v.size) for v in paper.versions.all()]
        assert stored == [
            (n, when, v["size"])
            for (n, when), v in zip(version_dates(record), record["versions"], strict=True)
        ]
        assert paper.latest_version == len(record["versions"])
        assert paper.submitter == record["submitter"]
        assert paper.authors == [f"{f} {k}" for k, f, _ in record["authors_parsed"]]
        assert paper.sources["title"] == "oai:arXivRaw"


@pytest.mark.django_db
def test_unicode_and_latex_in_titles_and_abstracts_are_stored_intact(fake_arxiv):
    records = generate_records(10, categories=["hep-th"])
    fake_arxiv.add(records)

    harvest_oai()

    titles = set(Paper.objects.values_list("title", flat=True))
    assert titles == {clean_text(r["title"]) for r in records}
    assert "Schrödinger-cat states in a $SU(2)_k$ Chern–Simons theory (1)" in titles
    assert "Casimir energy with $\\zeta$-function regularisation & boundaries <at> $x=0$ (3)" in titles
    paper = Paper.objects.get(arxiv_id=records[0]["id"])
    assert "$S = \\frac{A}{4G_N}$" in paper.abstract
    assert any(
        "Ødegaard" in a or "Núñez" in a or "Dvořák" in a for p in Paper.objects.all() for a in p.authors
    )


@pytest.mark.django_db
def test_a_paper_cross_listed_in_two_wanted_sets_is_stored_once(fake_arxiv):
    records = generate_records(20, categories=["hep-th", "quant-ph"])
    fake_arxiv.add(records)
    cross_listed = [r for r in records if len(r["categories"].split()) == 2]
    assert cross_listed

    run = harvest_oai(categories=["hep-th", "quant-ph"])

    assert Paper.objects.count() == len(records)
    assert run.papers_created == len(records)
    assert run.records_seen == len(records) + len(cross_listed)  # listed in each of its sets
    assert {r.params.get("set") for r in fake_arxiv.requests} == {"physics:hep-th", "physics:quant-ph", None}


@pytest.mark.django_db
def test_a_sub_category_harvests_its_archive_set_and_skips_the_other_sub_categories(fake_arxiv):
    records = generate_records(16, categories=["cond-mat.str-el", "cond-mat.mes-hall"])
    fake_arxiv.add(records)

    run = harvest_oai(categories=["cond-mat.str-el"])

    expected = ids_matching(records, "cond-mat.str-el")
    assert set(Paper.objects.values_list("arxiv_id", flat=True)) == expected
    assert run.records_skipped == len(records) - len(expected) > 0
    assert {r.params.get("set") for r in fake_arxiv.requests} == {"physics:cond-mat", None}


@pytest.mark.django_db
def test_deleted_records_are_skipped_and_counted(fake_arxiv):
    records = generate_records(8, categories=["hep-th"])
    fake_arxiv.add(records)
    fake_arxiv.delete(records[2]["id"])

    run = harvest_oai()

    assert not Paper.objects.filter(arxiv_id=records[2]["id"]).exists()
    assert (run.papers_created, run.records_skipped) == (7, 1)


# --- resumable and incremental ------------------------------------------------------------------


@pytest.mark.django_db
def test_harvest_resumes_after_a_failed_page_without_loss_or_duplicates(fake_arxiv, corpus_snapshot):
    fake_arxiv.add(generate_records(30, categories=["hep-th"]))
    fake_arxiv.fail_next(100, status=503, after=2)  # page 3 never comes

    with pytest.raises(HarvestNetworkError):
        harvest_oai(metadata_prefix="arXivRaw")

    failed = HarvestRun.objects.get()
    assert (failed.status, failed.pages) == ("failed", 2)
    assert "HTTP 503" in failed.error
    assert Paper.objects.count() == 10
    cursor = HarvestCursor.objects.get(source="oai", set_spec="physics:hep-th", metadata_prefix="arXivRaw")
    assert cursor.resumption_token == fake_arxiv.requests[2].params["resumptionToken"]

    fake_arxiv.clear_faults()
    first = len(fake_arxiv.requests)
    resumed = harvest_oai(metadata_prefix="arXivRaw")

    assert fake_arxiv.requests[first].params == {
        "verb": "ListRecords",
        "resumptionToken": cursor.resumption_token,
    }
    assert (resumed.status, resumed.papers_created, resumed.papers_updated) == ("succeeded", 20, 0)
    after_resume = corpus_snapshot()
    assert len(after_resume) == 30
    cursor.refresh_from_db()
    # The resumed list's first page came in the failed run, on a date the cursor does not keep: the
    # last page's date less a day stands in for it.
    assert (cursor.resumption_token, cursor.from_date) == ("", utc_today() - timedelta(days=1))

    # The same harvest in one clean run stores exactly the same thing.
    Paper.objects.all().delete()
    HarvestCursor.objects.all().delete()
    harvest_oai(metadata_prefix="arXivRaw")
    assert corpus_snapshot() == after_resume


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory) -> Path:
    """A migrated SQLite file that subprocess tests copy (migrating once saves seconds)."""
    path = tmp_path_factory.mktemp("db") / "template.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{path}"}
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=120
    )
    return path


def manage_env(db: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "PHYSLIT_LOG_LEVEL": "WARNING", **extra}


@pytest.mark.slow
def test_harvest_killed_with_sigkill_is_marked_interrupted_and_resumed_without_loss_or_duplicates(
    migrated_sqlite, tmp_path
):
    db = tmp_path / "db.sqlite3"
    shutil.copy(migrated_sqlite, db)
    records = generate_records(60, categories=["hep-th"])
    command = [
        sys.executable,
        "manage.py",
        "harvest",
        "--source",
        "oai",
        "--categories",
        "hep-th",
        "--format",
        "arXivRaw",
    ]
    with FakeArxiv(records, page_size=5) as fake:
        env = manage_env(db, PHYSLIT_OAI_URL=fake.oai_url, PHYSLIT_HARVEST_DELAY="0.15")
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 60
        # Page 4 is only asked for once page 3 is committed.
        while len(fake.requests) < 4 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.01)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        assert process.returncode == -signal.SIGKILL

        with sqlite3.connect(db) as con:
            stored = con.execute("select count(*) from corpus_paper").fetchone()[0]
            token = con.execute("select resumption_token from corpus_harvestcursor").fetchone()[0]
        assert 15 <= stored < 60
        assert token

        first = len(fake.requests)
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        assert fake.requests[first].params == {"verb": "ListRecords", "resumptionToken": token}
    gone = f"process {process.pid} on {socket.gethostname()} is gone"
    assert f"oai run 1 (interrupted): {gone}" in done.stdout

    with sqlite3.connect(db) as con:
        ids = [row[0] for row in con.execute("select arxiv_id from corpus_paper")]
        versions = con.execute("select count(*) from corpus_paperversion").fetchone()[0]
        titles = {row[0] for row in con.execute("select title from corpus_paper")}
        runs = con.execute("select status, error from corpus_harvestrun order by id").fetchall()
    assert sorted(ids) == sorted(r["id"] for r in records)
    assert versions == sum(len(r["versions"]) for r in records)
    assert titles == {clean_text(r["title"]) for r in records}
    assert runs == [("interrupted", gone), ("succeeded", "")]  # a SIGKILLed run is marked by the next one


@pytest.mark.django_db
def test_second_run_asks_only_for_changes_since_the_last_and_gets_only_those(fake_arxiv):
    records = generate_records(12, categories=["hep-th"])
    fake_arxiv.add(records)
    harvest_oai()
    cursor = HarvestCursor.objects.get(set_spec="physics:hep-th")
    assert cursor.from_date == utc_today()

    fake_arxiv.new_version(records[3]["id"], title="A revised title")
    fake_arxiv.add(generate_records(1, categories=["hep-th"], id_offset=100), datestamp=utc_today())
    first = len(fake_arxiv.requests)
    run = harvest_oai()

    assert fake_arxiv.requests[first].params["from"] == utc_today().isoformat()
    assert (run.records_seen, run.papers_created, run.papers_updated) == (2, 1, 1)
    assert Paper.objects.get(arxiv_id=records[3]["id"]).title == "A revised title"


@pytest.mark.django_db
def test_a_newer_version_updates_the_paper_and_adds_the_version(fake_arxiv):
    records = generate_records(6, categories=["hep-th"])
    fake_arxiv.add(records)
    harvest_oai(metadata_prefix="arXivRaw")
    target = records[0]
    before = len(target["versions"])

    when = datetime.now(UTC).replace(microsecond=0)
    number = fake_arxiv.new_version(
        target["id"], when=when, title="Entanglement, revisited: $\\mathcal{N}=2$", abstract="New abstract."
    )
    run = harvest_oai(metadata_prefix="arXivRaw")

    paper = Paper.objects.get(arxiv_id=target["id"])
    assert number == before + 1
    assert run.papers_updated == 1
    assert paper.title == "Entanglement, revisited: $\\mathcal{N}=2$"
    assert paper.abstract == "New abstract."
    assert paper.latest_version == number
    assert paper.last_updated == when.date()
    assert list(paper.versions.values_list("version", flat=True)) == list(range(1, number + 1))
    assert paper.versions.get(version=number).submitted == when
    assert Paper.objects.count() == 6


@pytest.mark.django_db
def test_max_records_stops_early_and_the_next_run_continues_without_loss(fake_arxiv):
    records = generate_records(20, categories=["hep-th"])
    fake_arxiv.add(records)

    first = harvest_oai(max_records=7)
    assert (first.papers_created, Paper.objects.count()) == (7, 7)

    second = harvest_oai()
    assert second.papers_created == 13
    assert set(Paper.objects.values_list("arxiv_id", flat=True)) == {r["id"] for r in records}


def response_dates(monkeypatch, fake, *moments):
    """The fake arXiv's responseDate is each of `moments` in turn, as if its pages came days apart."""
    clock = iter(moments)
    envelope = fake._oai_envelope

    def dated(*args, **kwargs):
        stamp = f"<responseDate>{next(clock):%Y-%m-%dT%H:%M:%SZ}</responseDate>".encode()
        return re.sub(rb"<responseDate>[^<]*</responseDate>", stamp, envelope(*args, **kwargs))

    monkeypatch.setattr(fake, "_oai_envelope", dated)


@pytest.mark.django_db
def test_a_list_paged_over_several_days_moves_the_cursor_to_its_first_pages_date(fake_arxiv, monkeypatch):
    fake_arxiv.add(generate_records(15, categories=["hep-th"]))
    response_dates(monkeypatch, fake_arxiv, *(datetime(2026, 3, day, 12, tzinfo=UTC) for day in (1, 3, 5)))

    harvest_oai()

    # Records changed on 2 or 4 March may be missing from a list that began on 1 March.
    assert HarvestCursor.objects.get().from_date == date(2026, 3, 1)


@pytest.mark.django_db
def test_an_explicit_since_later_than_the_cursor_does_not_skip_the_records_in_between(fake_arxiv):
    older = generate_records(6, categories=["hep-th"])
    newer = generate_records(6, categories=["hep-th"], id_offset=100)
    fake_arxiv.add(older, datestamp=date(2024, 2, 1))
    fake_arxiv.add(newer, datestamp=date(2024, 3, 1))
    HarvestCursor.objects.create(
        source="oai", set_spec="physics:hep-th", metadata_prefix="arXiv", from_date=date(2024, 1, 15)
    )

    assert harvest_oai(since=date(2024, 2, 15)).papers_created == 6
    assert HarvestCursor.objects.get().from_date == date(2024, 1, 15)

    first = len(fake_arxiv.requests)
    run = harvest_oai()

    assert fake_arxiv.requests[first].params["from"] == "2024-01-15"
    assert run.papers_created == 6
    assert Paper.objects.count() == 12
    assert HarvestCursor.objects.get().from_date == utc_today()


@pytest.mark.django_db(transaction=True)
def test_a_second_run_of_a_set_another_run_holds_refuses_at_once(fake_arxiv):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no row locks (no SELECT ... FOR UPDATE); the moved-cursor test covers it")
    fake_arxiv.add(generate_records(10, categories=["hep-th"]))
    HarvestCursor.objects.create(source="oai", set_spec="physics:hep-th", metadata_prefix="arXiv")
    locked, release = threading.Event(), threading.Event()

    def other_run_saving_a_page():
        try:
            with transaction.atomic():
                HarvestCursor.objects.select_for_update().get(set_spec="physics:hep-th")
                locked.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    other = threading.Thread(target=other_run_saving_a_page)
    other.start()
    try:
        assert locked.wait(timeout=10)
        started = time.monotonic()
        with pytest.raises(HarvestError, match="another harvest of physics:hep-th is running"):
            harvest_oai()
        assert time.monotonic() - started < 5  # no waiting for the lock
    finally:
        release.set()
        other.join(timeout=10)
    assert fake_arxiv.requests == []
    assert HarvestRun.objects.get().status == "failed"
    assert Paper.objects.count() == 0


@pytest.mark.django_db
def test_a_run_whose_cursor_another_run_moves_stops_without_saving_its_page(fake_arxiv, monkeypatch):
    fake_arxiv.add(generate_records(15, categories=["hep-th"]))
    calls = []

    def http_get_while_another_run_commits_a_page(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            theirs = HarvestCursor.objects.get()
            theirs.resumption_token = "their-token"
            theirs.save()
        return real_http_get(*args, **kwargs)

    real_http_get = oai.http_get
    monkeypatch.setattr(oai, "http_get", http_get_while_another_run_commits_a_page)

    with pytest.raises(HarvestError, match="another harvest of physics:hep-th is running"):
        harvest_oai()

    assert Paper.objects.count() == 5  # page 2 was rolled back, not stored beside the other run's
    assert HarvestCursor.objects.get().resumption_token == "their-token"
    assert len(calls) == 2


# --- OAI errors -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_no_records_match_means_nothing_new_and_advances_the_from_date(fake_arxiv):
    fake_arxiv.add(generate_records(5, categories=["hep-th"]))
    harvest_oai()
    cursor = HarvestCursor.objects.get()
    cursor.from_date = datetime(2030, 1, 1).date()  # as if last run was later than every datestamp
    cursor.save()

    run = harvest_oai()

    assert (run.status, run.papers_created, run.pages) == ("succeeded", 0, 1)
    assert fake_arxiv.requests[-1].params["from"] == "2030-01-01"
    cursor.refresh_from_db()
    assert cursor.from_date == utc_today()


@pytest.mark.django_db
def test_an_empty_set_on_the_first_run_succeeds(fake_arxiv):
    run = harvest_oai(categories=["nucl-ex"])
    assert run.status == "succeeded"
    assert HarvestCursor.objects.get(set_spec="physics:nucl-ex").from_date == utc_today()


@pytest.mark.django_db
def test_an_expired_resumption_token_restarts_the_list_once(fake_arxiv):
    records = generate_records(20, categories=["hep-th"])
    fake_arxiv.add(records)
    fake_arxiv.fail_next(100, after=1)
    with pytest.raises(HarvestNetworkError):
        harvest_oai()
    assert HarvestCursor.objects.get().resumption_token

    fake_arxiv.clear_faults()
    fake_arxiv.expire_tokens()
    first = len(fake_arxiv.requests)
    run = harvest_oai()

    assert run.status == "succeeded"
    assert Paper.objects.count() == 20
    assert "resumptionToken" in fake_arxiv.requests[first].params
    assert fake_arxiv.requests[first + 1].params == {
        "verb": "ListRecords",
        "metadataPrefix": "arXiv",
        "set": "physics:hep-th",
    }


@pytest.mark.django_db
def test_a_token_that_expires_again_after_the_restart_is_an_error(fake_arxiv):
    fake_arxiv.add(generate_records(20, categories=["hep-th"]))
    fake_arxiv.fail_next(100, after=1)
    with pytest.raises(HarvestNetworkError):
        harvest_oai()
    fake_arxiv.clear_faults()
    fake_arxiv.oai_error_next("badResumptionToken")  # the stored token
    fake_arxiv.oai_error_next("badResumptionToken", after=1)  # page 2 of the restarted list

    with pytest.raises(HarvestError, match="badResumptionToken"):
        harvest_oai()


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["badArgument", "cannotDisseminateFormat", "badVerb"])
def test_other_oai_errors_fail_the_run_with_the_code_and_message(fake_arxiv, code):
    fake_arxiv.add(generate_records(5, categories=["hep-th"]))
    fake_arxiv.oai_error_next(code, "the server's own words")

    with pytest.raises(HarvestError) as caught:
        harvest_oai()

    assert not isinstance(caught.value, HarvestNetworkError)
    assert code in str(caught.value) and "the server's own words" in str(caught.value)
    run = HarvestRun.objects.get()
    assert run.status == "failed" and code in run.error
    assert len(fake_arxiv.requests) == 1  # not retried


@pytest.mark.django_db
def test_bad_input_is_refused_before_any_request(fake_arxiv, settings):
    with pytest.raises(HarvestError, match="unknown harvest source"):
        papers_harvest(source="ftp")
    with pytest.raises(HarvestError, match="unknown arXiv categories: hep-xx"):
        harvest_oai(categories=["hep-xx"])
    with pytest.raises(HarvestError, match="unsupported OAI-PMH format"):
        harvest_oai(metadata_prefix="oai_dc")
    settings.PHYSLIT_OAI_METADATA_PREFIX = "marc21"
    with pytest.raises(HarvestError, match="marc21"):
        harvest_oai()
    assert fake_arxiv.requests == [] and not HarvestRun.objects.exists()


# --- network faults and politeness ---------------------------------------------------------------


@pytest.mark.django_db
def test_503_with_retry_after_is_waited_out_then_the_harvest_goes_on(fake_arxiv):
    fake_arxiv.add(generate_records(3, categories=["hep-th"]))
    fake_arxiv.fail_next(1, status=503, retry_after=1)

    run = harvest_oai()

    assert run.status == "succeeded" and Paper.objects.count() == 3
    first, second = fake_arxiv.requests[:2]
    assert first.fault == "status" and second.params == first.params
    assert second.time - first.time >= 1.0


@pytest.mark.django_db
def test_server_errors_are_retried_with_growing_backoff(fake_arxiv, settings):
    settings.PHYSLIT_HARVEST_DELAY = 0.05
    settings.PHYSLIT_HARVEST_RETRIES = 3
    fake_arxiv.add(generate_records(3, categories=["hep-th"]))
    fake_arxiv.fail_next(3, status=500)

    assert harvest_oai().status == "succeeded"

    times = [r.time for r in fake_arxiv.requests]
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert len(times) == 4
    assert gaps[0] >= 0.1 and gaps[1] >= 0.2 and gaps[2] >= 0.4


@pytest.mark.django_db
def test_persistent_server_errors_end_in_a_network_error_naming_the_url(fake_arxiv):
    fake_arxiv.add(generate_records(3, categories=["hep-th"]))
    fake_arxiv.fail_next(10, status=502)

    with pytest.raises(HarvestNetworkError, match=f"could not reach arXiv at {fake_arxiv.oai_url}: HTTP 502"):
        harvest_oai()
    assert len(fake_arxiv.requests) == 3  # PHYSLIT_HARVEST_RETRIES=2 in the fixture


@pytest.mark.django_db
def test_a_dropped_connection_is_retried(fake_arxiv):
    fake_arxiv.add(generate_records(3, categories=["hep-th"]))
    fake_arxiv.drop_next(1)

    assert harvest_oai().status == "succeeded"
    assert [r.fault for r in fake_arxiv.requests] == ["drop", ""]
    assert Paper.objects.count() == 3


@pytest.mark.django_db
def test_malformed_xml_is_retried_then_reported_storing_nothing_of_that_page(fake_arxiv):
    fake_arxiv.add(generate_records(12, categories=["hep-th"]))
    fake_arxiv.malformed_next(1)
    assert harvest_oai().status == "succeeded"
    assert Paper.objects.count() == 12

    Paper.objects.all().delete()
    HarvestCursor.objects.all().delete()
    fake_arxiv.malformed_next(10, after=1)
    with pytest.raises(HarvestNetworkError, match="malformed response"):
        harvest_oai()
    assert Paper.objects.count() == 5
    assert HarvestCursor.objects.get().resumption_token == fake_arxiv.requests[-1].params["resumptionToken"]


@pytest.mark.django_db
def test_requests_are_spaced_by_at_least_the_polite_delay(fake_arxiv, settings):
    settings.PHYSLIT_HARVEST_DELAY = 0.2
    fake_arxiv.add(generate_records(20, categories=["hep-th", "quant-ph"]))

    harvest_oai(categories=["hep-th", "quant-ph"])

    times = [r.time for r in fake_arxiv.requests]
    assert len(times) >= 4
    assert min(b - a for a, b in zip(times, times[1:], strict=False)) >= 0.2


# --- real arXiv responses -----------------------------------------------------------------------


def test_real_arxiv_format_list_records_page_parses(fixtures_dir):
    page = oai_page_parse((fixtures_dir / "oai-pmh" / "ListRecords-arXiv-physics-hep-th.xml").read_bytes())
    assert page.response_date == datetime(2017, 12, 14, 12, 56, 31, tzinfo=UTC)
    assert page.resumption_token == "" and len(page.records) == 3
    first = page.records[0]
    assert (first.identifier, first.datestamp, first.set_specs) == (
        "oai:arXiv.org:1412.8323",
        "2017-12-14",
        ["physics:hep-th"],
    )
    paper = first.paper
    assert paper.arxiv_id == "1412.8323" and paper.authors == ["Philipp A Hoehn"]
    assert paper.title == "Toolbox for reconstructing quantum theory from rules on information acquisition"
    assert paper.categories[0] == "quant-ph" and "hep-th" in paper.categories
    assert (paper.first_submitted.isoformat(), paper.last_updated.isoformat()) == ("2014-12-29", "2017-12-13")
    assert paper.abstract.startswith("We develop an operational approach") and "\n" not in paper.abstract
    second = page.records[1].paper
    assert second.journal_ref == "J. Phys. A: Math. Theor. 51 (2018) 035201"
    assert second.doi == "10.1088/1751-8121/aa9c53"
    assert second.authors == ["Luis B. Castro", "Edilberto O. Silva"]


def test_real_arxivraw_page_parses_with_versions_and_resumption_token(fixtures_dir):
    page = oai_page_parse((fixtures_dir / "oai-pmh" / "ListRecords-arXivRaw-page1.xml").read_bytes())
    assert (len(page.records), page.resumption_token, page.complete_list_size) == (387, "1403493|1001", 1440)
    paper = page.records[0].paper
    assert paper.arxiv_id == "0803.4354" and paper.submitter == "Moustapha Diaby"
    assert [v.version for v in paper.versions] == [1, 2, 3, 4, 5, 6]
    assert paper.versions[0].submitted == datetime(2008, 3, 30, 23, 26, 50, tzinfo=UTC)
    assert paper.versions[0].size == "69kb"
    assert (paper.first_submitted.isoformat(), paper.last_updated.isoformat()) == ("2008-03-30", "2016-10-20")
    assert all(r.paper is not None for r in page.records)


def test_real_get_record_samples_parse(fixtures_dir):
    arxiv = oai_page_parse((fixtures_dir / "oai-pmh" / "GetRecord-arXiv.xml").read_bytes()).records[0]
    assert arxiv.set_specs == ["physics:gr-qc", "physics:hep-th", "physics:quant-ph"]
    assert arxiv.paper.authors == [
        "Planck Collaboration",
        "Jieci Wang",
        "Zehua Tian",
        "Jiliang Jing",
        "Heng Fan",
    ]
    assert arxiv.paper.report_no == "YITP-2016-26"
    raw = oai_page_parse((fixtures_dir / "oai-pmh" / "GetRecord-arXivRaw.xml").read_bytes()).records[0].paper
    assert raw.title == "Object Re-Use & Exchange: A Resource-Centric Approach"
    assert raw.authors[:2] == ["Carl Lagoze", "Herbert Van de Sompel"] and len(raw.authors) == 6


# --- the harvest command ------------------------------------------------------------------------


@pytest.mark.django_db
def test_harvest_command_prints_a_one_line_summary(fake_arxiv, capsys):
    fake_arxiv.add(generate_records(7, categories=["hep-th", "quant-ph"]))
    call_command(
        "harvest",
        "--source",
        "oai",
        "--categories",
        "hep-th,quant-ph",
        "--format",
        "arXivRaw",
        "--days",
        "30000",
        "--max",
        "100",
    )
    out = capsys.readouterr().out.strip()
    assert out.startswith("harvest oai: 7 created, 0 updated, 0 skipped")
    assert "pages" in out and out.endswith(" s") and "\n" not in out
    assert fake_arxiv.requests[0].params["metadataPrefix"] == "arXivRaw"
    assert "from" in fake_arxiv.requests[0].params


@pytest.mark.django_db
def test_harvest_command_reports_an_unreachable_server_as_a_command_error(settings):
    settings.PHYSLIT_OAI_URL = f"http://127.0.0.1:{closed_port()}/oai"
    settings.PHYSLIT_HARVEST_DELAY = 0.01
    settings.PHYSLIT_HARVEST_RETRIES = 1
    with pytest.raises(
        CommandError, match=f"could not reach arXiv at {settings.PHYSLIT_OAI_URL}: connection refused"
    ):
        call_command("harvest", "--source", "oai", "--categories", "hep-th")
    assert HarvestRun.objects.get().status == "failed"


def test_harvest_command_prints_a_clear_message_and_no_traceback_when_arxiv_is_unreachable(
    migrated_sqlite, tmp_path
):
    db = tmp_path / "db.sqlite3"
    shutil.copy(migrated_sqlite, db)
    url = f"http://127.0.0.1:{closed_port()}/api/query"
    env = manage_env(db, PHYSLIT_ARXIV_API_URL=url, PHYSLIT_HARVEST_DELAY="0.01", PHYSLIT_HARVEST_RETRIES="1")
    done = subprocess.run(
        [sys.executable, "manage.py", "harvest", "--source", "api", "--days", "3"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert f"could not reach arXiv at {url}: connection refused" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.django_db
def test_harvest_command_turns_bad_input_into_a_command_error(fake_arxiv):
    with pytest.raises(CommandError, match="unknown arXiv categories: hep-xx"):
        call_command("harvest", "--source", "oai", "--categories", "hep-th,hep-xx")
    assert fake_arxiv.requests == []
