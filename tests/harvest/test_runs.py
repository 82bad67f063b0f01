"""Harvest runs whose process died: the next run marks them interrupted (a real SIGKILLed harvest:
tests/harvest/test_harvest_oai.py)."""

import subprocess
import sys
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from physlit.corpus.models import HarvestRun, Paper
from physlit.harvest.services import papers_harvest, run_silence_allowed
from tests.support.fake_arxiv import generate_records


def dead_pid() -> int:
    """The id of a process that has exited and been reaped."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def running_run(**fields) -> HarvestRun:
    return HarvestRun.objects.create(source="oai", **fields)


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
