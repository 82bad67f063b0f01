"""Slow clients: two sockets that send a header line every few seconds hold both sync gunicorn workers, and
behind deploy/nginx.conf (as compose runs it) they hold nothing. A real gunicorn and a real nginx; skipped
where Debian's nginx is not installed (.ci/run installs it)."""

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NGINX = os.environ.get("PHYSLIT_NGINX") or shutil.which("nginx") or shutil.which("/usr/sbin/nginx")

pytestmark = pytest.mark.slow


def port_free() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def answered(url: str, timeout: float) -> bool:
    """Whether the server answers at all (any HTTP status) within `timeout` seconds."""
    try:
        with urllib.request.urlopen(url, timeout=timeout):
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


def wait_answering(url: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not answered(url, 5):
        assert time.monotonic() < deadline, f"{url} never answered"
        time.sleep(0.3)


def slowloris(port: int, stop: threading.Event) -> None:
    """Send a request's headers one line every 2 s, never finishing; reconnect when cut off."""
    while not stop.is_set():
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
                sock.sendall(b"GET /api/papers/2401.00001 HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                while not stop.wait(2):
                    sock.sendall(b"X-Slow: 1\r\n")
        except OSError:
            stop.wait(0.2)


@pytest.fixture
def servers(tmp_path):
    """gunicorn (2 sync workers, physlit.gunicorn_conf) on a migrated SQLite file, nginx in front of it."""
    if not NGINX:
        pytest.skip("nginx not found (apt-get install nginx, or set PHYSLIT_NGINX)")
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "PHYSLIT_VAR_DIR": str(tmp_path / "var"),
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "test-only-secret-key-for-the-slow-client-test-0123456789",
        "GUNICORN_WORKERS": "2",
    }
    migrate = [sys.executable, "manage.py", "migrate", "-v0"]
    subprocess.run(migrate, cwd=ROOT, env=env, check=True, timeout=180)
    direct, proxied = port_free(), port_free()
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    for old, new in (
        ("server web:8000;", f"server 127.0.0.1:{direct};"),
        ("listen 8080;", f"listen 127.0.0.1:{proxied};"),
        ("pid /tmp/nginx.pid;", f"pid {tmp_path}/nginx.pid;"),
        ("/tmp/nginx-", f"{tmp_path}/nginx-"),
        ("access_log /dev/stdout;", "access_log off;"),
    ):
        assert old in conf, f"deploy/nginx.conf no longer has {old!r}"
        conf = conf.replace(old, new)
    (tmp_path / "nginx.conf").write_text(conf)
    gunicorn = [sys.executable, "-m", "gunicorn", "-c", "python:physlit.gunicorn_conf"]
    processes = [
        subprocess.Popen(
            [*gunicorn, "-b", f"127.0.0.1:{direct}", "physlit.wsgi"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        ),
        subprocess.Popen(
            [NGINX, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        ),
    ]
    try:
        for port in (direct, proxied):
            wait_answering(f"http://127.0.0.1:{port}/api/papers/2401.00001")
        yield direct, proxied
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=30)


def test_two_slow_clients_hold_gunicorn_alone_but_nothing_behind_nginx(servers):
    direct, proxied = servers
    for port in (direct, proxied):
        stop = threading.Event()
        slow = [threading.Thread(target=slowloris, args=(port, stop), daemon=True) for _ in range(2)]
        for thread in slow:
            thread.start()
        time.sleep(1.5)  # both sockets are connected and sending
        try:
            answers = [answered(f"http://127.0.0.1:{port}/api/papers/2401.00001", 5) for _ in range(3)]
        finally:
            stop.set()
        if port == direct:
            assert answers == [False, False, False]  # both sync workers are held: the attack is real
        else:
            assert answers == [True, True, True]
