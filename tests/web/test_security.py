"""Secure defaults: DEBUG only when asked, the dev key refused in production, a DEBUG server only on
loopback, `check --deploy` clean with the documented production environment, a CSP the pages satisfy,
the admin at a configurable path."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from tests.support.factories import paper_record

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_KEY = "k3y-for-the-deploy-check-only-5f1c9a7e2b4d6f8a0c1e3b5d7f9a1c3e5b7d9f"

# The production environment README.md documents ("Production"), as a TLS proxy in front would need it.
PRODUCTION = {
    "DJANGO_SECRET_KEY": PRODUCTION_KEY,
    "DJANGO_ALLOWED_HOSTS": "physlit.example.org",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://physlit.example.org",
    "DJANGO_SECURE_PROXY_SSL_HEADER": "1",
    "DJANGO_SECURE_SSL_REDIRECT": "1",
    "DJANGO_SECURE_HSTS_SECONDS": "31536000",
    "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
    "DJANGO_SECURE_HSTS_PRELOAD": "1",
    "DJANGO_SESSION_COOKIE_SECURE": "1",
    "DJANGO_CSRF_COOKIE_SECURE": "1",
}


def environment(**extra: str) -> dict[str, str]:
    """This environment as an operator's shell would have it: no pytest marker, no DEBUG, no key."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"PYTEST_VERSION", "DJANGO_DEBUG", "DJANGO_SECRET_KEY"}
    }
    return {**env, **extra}


def python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup()\n{code}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def manage(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_debug_is_off_unless_asked_for():
    result = python("from django.conf import settings; print(settings.DEBUG)", environment(**PRODUCTION))
    assert result.stdout.strip() == "False", result.stderr
    asked = python("from django.conf import settings; print(settings.DEBUG)", environment(DJANGO_DEBUG="1"))
    assert asked.stdout.strip() == "True", asked.stderr


@pytest.mark.parametrize("key", ["", "physlit-dev-only-insecure-key"])
def test_production_refuses_to_start_without_a_key_of_its_own(key):
    result = python("", environment(DJANGO_SECRET_KEY=key))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "DJANGO_SECRET_KEY" in result.stderr


def test_check_deploy_is_clean_with_the_documented_production_environment():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=environment(**PRODUCTION))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_a_debug_runserver_refuses_a_public_bind():
    result = manage("runserver", "0.0.0.0:8791", "--noreload", env=environment(DJANGO_DEBUG="1"), timeout=60)
    assert result.returncode != 0
    assert "physlit.E001" in result.stderr and "0.0.0.0:8791" in result.stderr


def test_a_debug_site_refuses_public_allowed_hosts():
    env = environment(DJANGO_DEBUG="1", DJANGO_ALLOWED_HOSTS="physlit.example.org")
    result = manage("check", env=env)
    assert result.returncode != 0 and "physlit.E002" in result.stderr
    assert manage("check", env=environment(DJANGO_DEBUG="1")).returncode == 0


def test_a_debug_gunicorn_refuses_a_public_bind():
    env = environment(DJANGO_DEBUG="1", GUNICORN_WORKERS="1")
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "-c",
            "python:physlit.gunicorn_conf",
            "-b",
            "0.0.0.0:8792",
            "physlit.wsgi",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "DEBUG is on and the server binds 0.0.0.0:8792" in result.stderr


def test_the_admin_path_comes_from_the_environment():
    code = "from django.urls import reverse; print(reverse('admin:index'))"
    moved = python(code, environment(DJANGO_DEBUG="1", PHYSLIT_ADMIN_PATH="backstage-7f3/"))
    assert moved.stdout.strip() == "/backstage-7f3/", moved.stderr
    assert python(code, environment(DJANGO_DEBUG="1")).stdout.strip() == "/admin/"


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|\sstyle=|\son[a-z]+=", re.IGNORECASE)


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/papers/2401.00001", "/chat", "/?q=graviton"])
def test_pages_send_a_content_security_policy_they_satisfy(url, settings):
    from physlit.harvest.upsert import papers_upsert

    papers_upsert([paper_record("2401.00001")])
    response = Client().get(url)
    assert response.status_code in (200, 503)
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy and "'unsafe-inline'" not in policy
    page = response.content.decode()
    assert not INLINE_SCRIPT.search(page), INLINE_SCRIPT.search(page)
    assert not INLINE_STYLE.search(page), INLINE_STYLE.search(page)
    assert response["X-Content-Type-Options"] == "nosniff" and response["X-Frame-Options"] == "DENY"
