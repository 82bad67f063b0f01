"""Harvest runs whose process died: the next run marks them interrupted and resumes without loss."""

import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from physlit.corpus.models import HarvestRun, Paper
from physlit.harvest.services import papers_harvest, run_silence_allowed
from tests.support.fake_arxiv import FakeArxiv, generate_records

ROOT = Path(__file__).resolve().parents[2]


def dead_pid() -> int:
    """The id of a process that has exited and been reaped."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def running_run(**fields) -> HarvestRun:
    return HarvestRun.objects.create(source="oai", **fields)


@pytest.fixture(scope="module")
def migrated_sqlite(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("db") / "template.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{path}"}
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=120
    )
    return path


@pytest.mark.slow
def test_a_harvest_killed_with_sigkill_is_marked_interrupted_by_the_next_which_loses_and_repeats_nothing(
    migrated_sqlite, tmp_path
):
    db = tmp_path / "db.sqlite3"
    shutil.copy(migrated_sqlite, db)
    records = generate_records(40, categories=["hep-th"])
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
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{db}",
            "PHYSLIT_LOG_LEVEL": "WARNING",
            "PHYSLIT_OAI_URL": fake.oai_url,
            "PHYSLIT_HARVEST_DELAY": "0.15",
        }
        killed = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 60
        while len(fake.requests) < 3 and time.monotonic() < deadline and killed.poll() is None:
            time.sleep(0.01)
        killed.send_signal(signal.SIGKILL)
        killed.wait(timeout=10)
        with sqlite3.connect(db) as con:
            stored = con.execute("select count(*) from corpus_paper").fetchone()[0]
        assert 0 < stored < 40  # died mid-harvest, with some pages committed

        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)

    assert done.returncode == 0, done.stderr
    assert f"oai run 1 (interrupted): process {killed.pid} on {socket.gethostname()} is gone" in done.stdout
    with sqlite3.connect(db) as con:
        ids = [row[0] for row in con.execute("select arxiv_id from corpus_paper")]
        versions = con.execute("select count(*) from corpus_paperversion").fetchone()[0]
        runs = con.execute("select status, error from corpus_harvestrun order by id").fetchall()
    assert sorted(ids) == sorted(r["id"] for r in records)
    assert versions == sum(len(r["versions"]) for r in records)
    assert runs == [
        ("interrupted", f"process {killed.pid} on {socket.gethostname()} is gone"),
        ("succeeded", ""),
    ]


@pytest.mark.django_db
def test_a_run_whose_process_is_gone_from_this_host_is_interrupted_by_the_next_run(fake_arxiv):
    fake_arxiv.add(generate_records(6, categories=["hep-th"]))
    dead = running_run(pid=dead_pid())

    run = papers_harvest(source="oai", categories=["hep-th"])

    dead.refresh_from_db()
    assert (dead.status, run.status) == ("interrupted", "succeeded")
    assert dead.finished_at is not None and "is gone" in dead.error
    assert Paper.objects.count() == 6


@pytest.mark.django_db
def test_runs_that_may_be_alive_stay_running(fake_arxiv):
    alive_here = running_run()  # this process: alive
    elsewhere_recently = running_run(
        host="worker-elsewhere", pid=dead_pid()
    )  # another host's pid says nothing

    papers_harvest(source="oai", categories=["hep-th"])

    assert (
        HarvestRun.objects.filter(pk__in=[alive_here.pk, elsewhere_recently.pk], status="running").count()
        == 2
    )


@pytest.mark.django_db
def test_a_run_on_another_host_silent_for_too_long_is_interrupted_and_the_command_says_so(fake_arxiv, capsys):
    silent = running_run(host="worker-elsewhere", pid=1)
    long_ago = timezone.now() - run_silence_allowed() - timedelta(minutes=1)
    HarvestRun.objects.filter(pk=silent.pk).update(heartbeat_at=long_ago)  # update(): no auto_now

    call_command("harvest", "--source", "oai", "--categories", "hep-th")

    silent.refresh_from_db()
    assert silent.status == "interrupted" and "no progress since" in silent.error
    assert f"oai run {silent.pk} (interrupted): no progress since" in capsys.readouterr().out


@pytest.mark.django_db
def test_saving_a_page_s_counters_renews_the_heartbeat():
    run = running_run()
    long_ago = timezone.now() - timedelta(hours=5)
    HarvestRun.objects.filter(pk=run.pk).update(heartbeat_at=long_ago)

    run.pages += 1
    run.save(update_fields=["pages"])  # how the OAI and API harvesters record each stored page

    assert HarvestRun.objects.get(pk=run.pk).heartbeat_at > long_ago + timedelta(hours=4)
