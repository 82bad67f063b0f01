"""Celery tasks run in-process (eager): a harvest through the task against the fake arXiv, retries on
network faults, the beat schedule, and the compose file that starts workers and beat."""

import socket
from pathlib import Path

import pytest
import yaml
from celery.schedules import crontab
from django.conf import settings

from physlit import celery_app
from physlit.corpus.categories import categories_match
from physlit.corpus.models import HarvestRun, Paper
from physlit.harvest.errors import HarvestNetworkError
from physlit.tasks import harvest_papers, harvest_then_index
from tests.support.fake_arxiv import FakeArxiv, generate_records


@pytest.fixture
def fake_arxiv(settings):
    with FakeArxiv(generate_records(30, categories=["hep-th", "gr-qc", "quant-ph"]), page_size=10) as fake:
        settings.PHYSLIT_OAI_URL = fake.oai_url
        settings.PHYSLIT_HARVEST_DELAY = 0
        yield fake


@pytest.fixture
def unreachable_arxiv(settings):
    # A port that was just free: connections to it are refused at once.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.PHYSLIT_OAI_URL = f"http://127.0.0.1:{port}/oai"
    settings.PHYSLIT_HARVEST_DELAY = 0
    settings.PHYSLIT_HARVEST_RETRIES = 0


@pytest.mark.django_db
def test_harvest_task_runs_in_process_by_default_and_returns_the_run(fake_arxiv):
    if not celery_app.conf.task_always_eager:
        pytest.skip("CELERY_BROKER_URL is set here, so tasks go to workers (tests/test_celery_worker.py)")
    result = harvest_papers.delay(source="oai", categories=["hep-th"], since="2024-01-01")
    run = HarvestRun.objects.get(pk=result.get())
    assert run.status == HarvestRun.Status.SUCCEEDED
    assert run.params["since"] == "2024-01-01"
    hep_th = {r["id"] for r in fake_arxiv.records() if categories_match(r["categories"].split(), ["hep-th"])}
    assert set(Paper.objects.values_list("arxiv_id", flat=True)) == hep_th  # cross-lists included
    assert run.papers_created == len(hep_th)
    assert any(r.path == "/oai" for r in fake_arxiv.requests)


@pytest.mark.django_db
def test_harvest_task_honours_max_records(fake_arxiv):
    pk = harvest_papers.apply(
        kwargs={"categories": ["hep-th", "gr-qc", "quant-ph"], "max_records": 12}, throw=True
    ).get()
    assert HarvestRun.objects.get(pk=pk).status == HarvestRun.Status.SUCCEEDED
    assert 12 <= Paper.objects.count() < 30


@pytest.mark.django_db
def test_unreachable_arxiv_is_retried_five_times_then_fails_cleanly(unreachable_arxiv, monkeypatch):
    # With eager exceptions propagating (our default), Celery raises its Retry signal instead of retrying
    # in-process; turned off, apply() runs each retry at once, as a worker would after the backoff.
    monkeypatch.setitem(celery_app.conf, "task_eager_propagates", False)
    result = harvest_papers.apply(kwargs={"categories": ["hep-th"]})
    assert result.failed()
    assert isinstance(result.result, HarvestNetworkError)
    assert "could not reach arXiv" in str(result.result)
    # One failed run for the first try and one for each of the 5 retries; nothing left "running".
    runs = HarvestRun.objects.all()
    assert [r.status for r in runs] == [HarvestRun.Status.FAILED] * 6
    assert all("could not reach arXiv" in r.error and r.finished_at for r in runs)
    assert Paper.objects.count() == 0


def test_harvest_task_retry_policy():
    assert harvest_papers.autoretry_for == (HarvestNetworkError,)
    assert harvest_papers.retry_backoff is True
    assert harvest_papers.max_retries == 5
    assert harvest_papers.name in celery_app.tasks


@pytest.mark.django_db
def test_bad_input_is_not_retried(fake_arxiv):
    from physlit.harvest.errors import HarvestError

    with pytest.raises(HarvestError):
        harvest_papers.apply(kwargs={"source": "ftp"}, throw=True)
    with pytest.raises(ValueError):
        harvest_papers.apply(kwargs={"since": "yesterday"}, throw=True)
    assert not fake_arxiv.requests


def test_beat_runs_the_oai_harvest_daily_at_the_configured_hour():
    entry = celery_app.conf.beat_schedule["harvest-daily"]
    assert entry["task"] == harvest_then_index.name
    assert entry["schedule"] == crontab(minute=0, hour=settings.PHYSLIT_HARVEST_HOUR)
    assert entry["kwargs"] == {"source": "oai", "categories": settings.PHYSLIT_HARVEST_CATEGORIES}


def test_compose_starts_web_worker_beat_postgres_and_redis():
    compose = yaml.safe_load((Path(settings.BASE_DIR) / "compose.yaml").read_text())
    services = compose["services"]
    assert {"web", "worker", "beat", "postgres", "redis"} <= set(services)
    for name in ("web", "worker", "beat"):
        environment = services[name]["environment"]
        assert environment["DATABASE_URL"].startswith("postgres://")
        assert environment["CELERY_BROKER_URL"].startswith("redis://")
        assert any(str(v).endswith(":/app/var") for v in services[name]["volumes"])
    assert services["worker"]["command"][:4] == ["celery", "-A", "physlit", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "physlit", "beat"]
    assert services["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]
    for name in ("web", "worker", "postgres", "redis"):
        assert services[name]["healthcheck"]["test"]
    dockerfile = (Path(settings.BASE_DIR) / "Dockerfile").read_text()
    assert "FROM python:3.11-slim" in dockerfile and "torch==2.13.0" in dockerfile
    assert "collectstatic" in dockerfile and "USER physlit" in dockerfile
    assert 'CMD ["gunicorn", "-c", "python:physlit.gunicorn_conf"' in dockerfile
