"""`manage.py fake_arxiv`: serve a local fake arXiv (OAI-PMH + query API) for offline demos; a dev tool."""

import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from physlit.devtools.fake_arxiv import FakeArxiv, generate_records, load_records


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
        path = Path(data) if data else Path(settings.SHARED_DIR) / "data" / "arxiv-physics-3k.jsonl"
        if data and not path.is_file():
            raise CommandError(f"no such file: {path}")
        records = load_records(path) if path.is_file() else generate_records(generate)
        fake = FakeArxiv(records, page_size=page_size, host=host, port=port)
        try:
            fake.start()
        except OSError as exc:
            raise CommandError(f"cannot listen on {host}:{port}: {exc}") from exc
        self.stdout.write(
            f"fake arXiv serving {len(records)} records ({path if path.is_file() else 'generated'})\n"
            f"  PHYSLIT_OAI_URL={fake.oai_url} PHYSLIT_ARXIV_API_URL={fake.api_url}\n"
            "  Ctrl-C to stop."
        )
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
        finally:
            fake.stop()
