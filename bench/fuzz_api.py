"""Fuzz (serving): N random requests across every endpoint against a real gunicorn; counts by status, the
responses >= 500 and the non-JSON responses under /api/ (target: 0 and 0).

Starts `gunicorn -c physlit/gunicorn_conf.py physlit.wsgi` (GUNICORN_WORKERS workers, default 2) on a free
port against the database and var folder given (as bench/web_worker.py does), then sends the requests from one
client: search parameters, paper ids, ask bodies (arbitrary JSON, NUL, lone surrogates, huge and nested
values, wrong content types), page and chat-form requests, raw bytes in paths. Asking is not rate-limited.

    PHYSLIT_ENCODER_BACKEND=onnx-int8 python bench/fuzz_api.py --var-dir /tmp/h8-var --requests 10000
"""

from __future__ import annotations

import http.client
import json
import os
import random
import subprocess
import sys
import time
from collections import Counter
from urllib.parse import quote, urlencode

import harness

NASTY = ["a\x00b", "spin \ud800 waves", "Mu\u0308ller", "x" * 5000, "[" * 1000, "../../etc/passwd", "", " "]
PARAMS = ["q", "k", "mode", "category", "date_from", "date_to", "author", "page"]


def text_random(rng: random.Random) -> str:
    if rng.random() < 0.3:
        return rng.choice(NASTY)
    return "".join(
        chr(rng.choice([rng.randrange(32, 127), rng.randrange(0, 0x110000)]))
        for _ in range(rng.randrange(12))
    )


def json_random(rng: random.Random, depth: int = 0) -> object:
    kind = rng.randrange(7 if depth < 3 else 4)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice([True, False, rng.randrange(-(2**70), 2**70), rng.random() * 1e300])
    if kind in (2, 3):
        return text_random(rng)
    if kind == 4:
        return [json_random(rng, depth + 1) for _ in range(rng.randrange(4))]
    return {text_random(rng): json_random(rng, depth + 1) for _ in range(rng.randrange(4))}


def body_json(value: object) -> bytes:
    # ensure_ascii escapes lone surrogates as \\udXXX, as a client's JSON library may send them.
    return json.dumps(value).encode()


def request_random(rng: random.Random) -> tuple[str, str, bytes | None, dict[str, str]]:
    """(method, path, body, headers) of one fuzzed request."""
    choice = rng.randrange(8)
    if choice == 0:
        params = {rng.choice(PARAMS): text_random(rng) for _ in range(rng.randrange(1, 4))}
        query = urlencode(params, errors="surrogatepass")
        return "GET", rng.choice(["/api/search", "/"]) + "?" + query, None, {}
    if choice == 1:
        raw = bytes(rng.randrange(256) for _ in range(rng.randrange(20)))
        return (
            "GET",
            rng.choice(["/api/papers/", "/papers/", "/api/", "/chat/"]) + quote(raw, safe="/"),
            None,
            {},
        )
    if choice == 2:
        paper = rng.choice(["2401.00001", "hep-th/9901001", "1234.56789v99999999999999999", "9999.9999"])
        return "GET", rng.choice(["/api/papers/", "/papers/"]) + paper, None, {}
    if choice in (3, 4):
        body = (
            {"question": text_random(rng), "conversation": json_random(rng)}
            if choice == 3
            else json_random(rng)
        )
        return "POST", "/api/ask", body_json(body), {"Content-Type": "application/json"}
    if choice == 5:
        raw = bytes(rng.randrange(256) for _ in range(rng.randrange(200)))
        content_type = rng.choice(["application/json", "text/plain", "application/x-www-form-urlencoded"])
        return "POST", rng.choice(["/api/ask", "/api/search", "/chat"]), raw, {"Content-Type": content_type}
    if choice == 6:
        return (
            rng.choice(["GET", "PUT", "DELETE"]),
            rng.choice(["/api/ask", "/api/search", "/api/papers/x"]),
            None,
            {},
        )
    body = urlencode({"question": text_random(rng)}, errors="surrogatepass").encode()
    return "POST", "/chat", body, {"Content-Type": "application/x-www-form-urlencoded"}


def server_start(port: int) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "gunicorn", "-c", "physlit/gunicorn_conf.py", "--bind", f"127.0.0.1:{port}"]
    env = {**os.environ, "GUNICORN_WORKERS": os.environ.get("GUNICORN_WORKERS", "2"), "PHYSLIT_ASK_RATE": "0"}
    env.setdefault("DJANGO_DEBUG", "0")
    env.setdefault("DJANGO_SECRET_KEY", "fuzz-only-" + "k" * 50)
    server = subprocess.Popen([*cmd, "physlit.wsgi"], cwd=harness.ROOT, env=env, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/api/search?q=warm")
            connection.getresponse().read()
            return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise TimeoutError("gunicorn did not answer")


def main() -> None:
    parser = harness.parser_make(__doc__, database=True, var_dir=True)
    parser.add_argument("--requests", type=int, default=10000, help="requests to send (default 10000)")
    parser.add_argument("--seed", type=int, default=18)
    args = parser.parse_args()
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    if args.var_dir:
        os.environ["PHYSLIT_VAR_DIR"] = args.var_dir
    rng = random.Random(args.seed)
    port = harness.free_port()
    server = server_start(port)
    statuses: Counter[int] = Counter()
    failures: list[str] = []
    started = time.monotonic()
    try:
        for _ in range(args.requests):
            method, path, body, headers = request_random(rng)
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                response.read()
            except (OSError, http.client.HTTPException) as exc:
                statuses[0] += 1
                failures.append(f"{method} {path[:80]!r}: {exc!r}")
                continue
            finally:
                connection.close()
            statuses[response.status] += 1
            is_json = (response.getheader("Content-Type") or "").startswith("application/json")
            if response.status >= 500 and response.status != 503:
                failures.append(f"{method} {path[:80]!r}: {response.status}")
            elif path.startswith("/api/") and 400 <= response.status != 414 and not is_json:
                failures.append(f"{method} {path[:80]!r}: {response.status} not JSON")
    finally:
        server.terminate()
        server.wait(timeout=30)
    elapsed = time.monotonic() - started
    over_500 = sum(n for status, n in statuses.items() if status >= 500 or status == 0)
    not_json = sum(1 for f in failures if f.endswith("not JSON"))
    # gunicorn itself answers 414 (plain text) for a request line over limit_request_line, before Django.
    harness.table_header(["status", "responses"], "lr")
    for status, count in sorted(statuses.items()):
        harness.table_row(status or "no response", count)
    print()
    columns = ["requests", "seconds", ">= 500 (or none)", "non-JSON /api/ errors", "gunicorn 414s"]
    harness.table_header(columns, "rrrrr")
    harness.table_row(args.requests, f"{elapsed:.1f}", over_500, not_json, statuses[414])
    for failure in failures[:20]:
        print("-", failure)


if __name__ == "__main__":
    main()
