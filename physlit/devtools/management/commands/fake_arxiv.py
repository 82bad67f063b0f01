"""`manage.py fake_arxiv`: serve the test suite's fake arXiv (OAI-PMH + query API) for offline demos.

A dev tool: the fake lives in tests/support/, so this works in a checkout, not in the Docker image.
"""

import signal
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
# How soon a stop request is noticed when the kernel hands the signal to a thread other than the main one
# (the main thread's sleep is then not interrupted).
STOP_POLL_SECONDS = 0.1


class Command(BaseCommand):
    help = "Serve a fake arXiv (OAI-PMH at /oai, query API at /api/query) from Kaggle-schema records."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8765, help="0 picks a free port")
        parser.add_argument(
            "--data",
            help="Kaggle-schema .jsonl or .jsonl.gz "
            "(default: the shared 3k sample if present, else generated records)",
        )
        parser.add_argument(
            "--generate", type=int, default=300, help="how many records to generate without data"
        )
        parser.add_argument("--page-size", type=int, default=100, help="OAI-PMH records per page")

    def handle(self, *args, host, port, data, generate, page_size, **options) -> None:
        try:
            from tests.support.fake_arxiv import FakeArxiv, generate_records, load_records
        except ImportError as exc:
            raise CommandError(
                "fake_arxiv needs the test suite (tests/support/fake_arxiv.py), which this "
                f"installation lacks ({exc}); run it from a source checkout."
            ) from exc
        path = Path(data) if data else Path(settings.SHARED_DIR) / "data" / "arxiv-physics-3k.jsonl"
        if data and not path.is_file():
            raise CommandError(f"no such file: {path}")
        records = load_records(path) if path.is_file() else generate_records(generate)
        fake = FakeArxiv(records, page_size=page_size, host=host, port=port)
        # Ctrl-C only sets a flag: a KeyboardInterrupt could land anywhere, even inside the banner's
        # write, and skip the clean shutdown (the cause of a flaky test). The handlers go up first.
        stop_requested: list[int] = []
        previous = {
            sig: signal.signal(sig, lambda signum, frame: stop_requested.append(signum))
            for sig in STOP_SIGNALS
        }
        try:
            try:
                fake.start()
            except OSError as exc:
                raise CommandError(f"cannot listen on {host}:{port}: {exc}") from exc
            self.stdout.write(
                f"fake arXiv serving {len(records)} records ({path if path.is_file() else 'generated'})\n"
                f"  PHYSLIT_OAI_URL={fake.oai_url} PHYSLIT_ARXIV_API_URL={fake.api_url}\n"
                "  Ctrl-C to stop."
            )
            while not stop_requested:
                time.sleep(STOP_POLL_SECONDS)
        finally:
            fake.stop()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
