"""Outage (serving): gunicorn on PostgreSQL through a TCP proxy this script controls; the proxy is cut for
--outage seconds and restored. Prints responses by status before, during and after the outage, seconds from
the restore to the first 200, and whether any worker was restarted. The shared PostgreSQL is never stopped.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h8 PHYSLIT_ENCODER_BACKEND=onnx-int8 \\
        python bench/db_outage.py --var-dir /tmp/h8-var --outage 10
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from urllib.parse import urlsplit, urlunsplit

import fuzz_api
import harness
import psutil


class Proxy:
    """A TCP proxy on a free port to `target`; `cut()` drops every connection and refuses new ones."""

    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        self.port = harness.free_port()
        self.up = True
        self.writers: set[asyncio.StreamWriter] = set()
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        asyncio.run_coroutine_threadsafe(self._serve(), self.loop).result()

    async def _serve(self) -> None:
        self.server = await asyncio.start_server(self._client, "127.0.0.1", self.port)

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self.up:
            writer.close()
            return
        up_reader, up_writer = await asyncio.open_connection(*self.target)
        self.writers |= {writer, up_writer}
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()
            self.writers.discard(writer)

    def cut(self) -> None:
        def close_all() -> None:
            self.up = False
            for writer in list(self.writers):
                writer.transport.abort()

        self.loop.call_soon_threadsafe(close_all)

    def restore(self) -> None:
        self.loop.call_soon_threadsafe(setattr, self, "up", True)


def status_get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return 0


def main() -> None:
    parser = harness.parser_make(__doc__, database=True, var_dir=True)
    parser.add_argument("--outage", type=float, default=10.0, help="seconds the database is cut off")
    parser.add_argument("--phase", type=float, default=5.0, help="seconds of requests before and after")
    args = parser.parse_args()
    if not args.database_url.startswith("postgres"):
        parser.error("needs --database-url (or DATABASE_URL) of a PostgreSQL database")
    if args.var_dir:
        os.environ["PHYSLIT_VAR_DIR"] = args.var_dir
    import psycopg

    with psycopg.connect(args.database_url) as connection:  # a paper that exists, for a 200 on its page
        row = connection.execute("select arxiv_id from corpus_paper order by id limit 1").fetchone()
    paper_id = row[0] if row else "2401.00001"
    parts = urlsplit(args.database_url)
    proxy = Proxy(parts.hostname or "127.0.0.1", parts.port or 5432)
    netloc = parts.netloc.rsplit("@", 1)[0] + "@" if "@" in parts.netloc else ""
    os.environ["DATABASE_URL"] = urlunsplit(parts._replace(netloc=f"{netloc}127.0.0.1:{proxy.port}"))
    port = harness.free_port()
    server = fuzz_api.server_start(port)
    workers_before = {p.pid for p in psutil.Process(server.pid).children()}
    base = f"http://127.0.0.1:{port}"
    urls = [f"{base}/api/search?q=black+holes", f"{base}/api/papers/{paper_id}", f"{base}/"]
    counts: dict[str, Counter[int]] = {"before": Counter(), "during": Counter(), "after": Counter()}
    first_200_s: float | None = None
    try:
        for phase, seconds in (("before", args.phase), ("during", args.outage), ("after", args.phase)):
            if phase == "during":
                proxy.cut()
            if phase == "after":
                proxy.restore()
                restored = time.monotonic()
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                for url in urls:
                    status = status_get(url)
                    counts[phase][status] += 1
                    if phase == "after" and status == 200 and first_200_s is None:
                        first_200_s = time.monotonic() - restored
        workers_after = {p.pid for p in psutil.Process(server.pid).children()}
    finally:
        server.terminate()
        server.wait(timeout=30)
    harness.table_header(["phase", "responses by status"])
    for phase, counter in counts.items():
        harness.table_row(phase, ", ".join(f"{s or 'none'}: {n}" for s, n in sorted(counter.items())))
    print()
    harness.table_header(["outage s", "s to first 200 after restore", "workers restarted"], "rrr")
    restarted = len(workers_before - workers_after)
    harness.table_row(args.outage, "never" if first_200_s is None else f"{first_200_s:.2f}", restarted)


if __name__ == "__main__":
    main()
