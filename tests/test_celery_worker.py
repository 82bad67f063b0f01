"""A harvest through a real Celery worker process and Redis (not eager), into the test database.

The worker is a subprocess given the test database's URL, a private queue on Redis, and the fake arXiv
served from this process on 127.0.0.1.
"""

import os
import subprocess
import sys
import time
import uuid
from urllib.parse import quote

import pytest
from celery import Celery
from django.conf import settings
from django.db import connection

from physlit.corpus.categories import categories_match
from physlit.corpus.models import HarvestRun, Paper
from tests.support.fake_arxiv import FakeArxiv, generate_records

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# A database number of its own, so the test never touches a development broker's keys.
REDIS_URL = os.environ.get("PHYSLIT_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
WORKER_TIMEOUT = 120


def database_url(db: dict) -> str:
    """The URL (for dj-database-url in the worker's settings) of the database this test process uses."""
    if db["ENGINE"] == "django.db.backends.sqlite3":
        if str(db["NAME"]) == ":memory:" or "mode=memory" in str(db["NAME"]):
            pytest.skip("the SQLite test database is in memory, so no other process can open it")
        return f"sqlite:///{db['NAME']}"
    if db["ENGINE"] == "django.db.backends.postgresql":
        auth = quote(db["USER"] or "", safe="")
        if db["PASSWORD"]:
            auth += ":" + quote(db["PASSWORD"], safe="")
        host = db["HOST"] or "127.0.0.1"
        port = f":{db['PORT']}" if db["PORT"] else ""
        return f"postgres://{auth}@{host}{port}/{quote(db['NAME'], safe='')}"
    pytest.skip(f"no URL form known for database engine {db['ENGINE']}")


@pytest.fixture
def redis_url():
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.skip(f"Redis is not reachable at {REDIS_URL} ({exc}); set PHYSLIT_TEST_REDIS_URL")
    yield REDIS_URL
    client.close()


@pytest.fixture
def fake_arxiv():
    with FakeArxiv(generate_records(24, categories=["hep-th", "gr-qc"]), page_size=5) as fake:
        yield fake


@pytest.fixture
def worker(redis_url, fake_arxiv, tmp_path):
    """A `celery worker` subprocess on a private queue; yields (queue, process, log path)."""
    queue = f"physlit-test-{uuid.uuid4().hex[:12]}"
    log = tmp_path / "worker.log"
    env = {
        **os.environ,
        "PYTHONPATH": str(settings.BASE_DIR),
        "DJANGO_SETTINGS_MODULE": "physlit.settings",
        "DATABASE_URL": database_url(connection.settings_dict),
        "CELERY_BROKER_URL": redis_url,
        "CELERY_RESULT_BACKEND": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "PHYSLIT_OAI_URL": fake_arxiv.oai_url,
        "PHYSLIT_HARVEST_DELAY": "0",
        "PHYSLIT_VAR_DIR": str(tmp_path / "var"),
    }
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "physlit",
        "worker",
        "--pool=solo",
        "--concurrency=1",
        "-Q",
        queue,
        "-n",
        f"{queue}@%h",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "--loglevel=INFO",
    ]
    with open(log, "wb") as out:
        process = subprocess.Popen(
            command, cwd=settings.BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        yield queue, process, log
    finally:
        process.terminate()  # warm shutdown: the solo pool finishes its task first
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        import redis

        client = redis.Redis.from_url(redis_url)
        leftovers = list(client.scan_iter(match=f"*{queue}*"))  # the queue's bindings
        if leftovers:
            client.delete(*leftovers)
        client.close()


def test_harvest_runs_in_a_real_worker_through_redis(worker, redis_url, fake_arxiv):
    queue, process, log = worker
    # Not the current app: shared tasks used by later tests must keep resolving to physlit's (eager) app.
    client = Celery("physlit-test-client", broker=redis_url, backend=redis_url, set_as_current=False)
    result = client.send_task(
        "physlit.tasks.harvest_papers",
        kwargs={"source": "oai", "categories": ["hep-th"], "since": "2024-01-01", "max_records": None},
        queue=queue,
    )
    deadline = time.monotonic() + WORKER_TIMEOUT
    try:
        while not result.ready():
            assert process.poll() is None, f"the worker exited:\n{log.read_text()}"
            assert time.monotonic() < deadline, f"no result in {WORKER_TIMEOUT} s:\n{log.read_text()}"
            time.sleep(0.2)
        assert result.successful(), f"{result.traceback}\n{log.read_text()}"
        pk = result.get(timeout=5)
    finally:
        result.forget()
        client.close()

    # The worker wrote to this test's database: the run row and the papers are visible here.
    run = HarvestRun.objects.get(pk=pk)
    assert run.status == HarvestRun.Status.SUCCEEDED
    hep_th = {r["id"] for r in fake_arxiv.records() if categories_match(r["categories"].split(), ["hep-th"])}
    assert set(Paper.objects.values_list("arxiv_id", flat=True)) == hep_th
    assert run.pages >= 2  # paged through resumption tokens
    assert sum(r.path == "/oai" for r in fake_arxiv.requests) >= 2
    assert "physlit.tasks.harvest_papers" in log.read_text()
