"""System checks for a safe start: a DEBUG server answers only on the loopback interface.

A DEBUG error page shows settings, paths and code, so DEBUG must never face a network. Django runs these
checks before `runserver` serves (and for `check`, `migrate`); gunicorn runs no checks, so
physlit.gunicorn_conf's `on_starting` asks `debug_exposure_errors` about gunicorn's own bind list.
"""

import ipaddress
import sys

from django.conf import settings
from django.core.checks import Error, register

LOOPBACK_NAMES = {"localhost", "testserver", "127.0.0.1", "::1", "[::1]"}


def host_loopback(host: str) -> bool:
    """True for a host name or address that only this machine reaches ("" is runserver's 127.0.0.1)."""
    host = host.strip().lower()
    if host in LOOPBACK_NAMES or host == "":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return host.endswith(".localhost")


def bind_host(bind: str) -> str:
    """The host of a bind such as "0.0.0.0:8000", "[::1]:8000", "8000" or "unix:/run/physlit.sock"."""
    if bind.startswith("unix:") or bind.startswith("fd://"):
        return "localhost"  # a socket file: reachable only through whatever proxies to it
    if bind.isdigit():
        return ""
    if bind.startswith("["):
        return bind[: bind.index("]") + 1]
    return bind.rsplit(":", 1)[0] if ":" in bind else bind


def runserver_binds(argv: list[str] | None = None) -> list[str]:
    """The address `manage.py runserver [addrport]` will listen on; [] for any other command."""
    argv = sys.argv if argv is None else argv
    if len(argv) > 1 and argv[1] == "runserver":
        positional = [a for a in argv[2:] if not a.startswith("-")]
        return [positional[0] if positional else "127.0.0.1:8000"]
    return []


def debug_exposure_errors(binds: list[str]) -> list[Error]:
    """Errors when DEBUG is on and the server listens on (`binds`) or accepts hosts beyond loopback."""
    if not settings.DEBUG:
        return []
    errors = []
    for bind in binds:
        if not host_loopback(bind_host(bind)):
            errors.append(
                Error(
                    f"DEBUG is on and the server binds {bind}, which other machines reach",
                    hint="bind 127.0.0.1, or turn DEBUG off (unset DJANGO_DEBUG) and set DJANGO_SECRET_KEY",
                    id="physlit.E001",
                )
            )
    exposed = [host for host in settings.ALLOWED_HOSTS if not host_loopback(host)]
    if exposed:
        errors.append(
            Error(
                f"DEBUG is on and DJANGO_ALLOWED_HOSTS names hosts beyond this machine: {', '.join(exposed)}",
                hint="keep DEBUG for 127.0.0.1/localhost; a server others reach runs with DJANGO_DEBUG unset",
                id="physlit.E002",
            )
        )
    return errors


@register()
def debug_exposure_check(app_configs, **kwargs) -> list[Error]:
    return debug_exposure_errors(runserver_binds())
