"""`evaluate --questions FILE`: prints search metrics for each mode as a table."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from physlit.evaluation.questions import QuestionFileError, questions_read
from physlit.evaluation.search import search_evaluate
from physlit.search.service import MODES, SearchUnavailable


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


class Command(BaseCommand):
    help = "Evaluate search on a question file (format of ../shared/eval/dev-questions.jsonl)."

    def add_arguments(self, parser):
        parser.add_argument("--questions", required=True, type=Path)
        parser.add_argument("--modes", default=",".join(MODES), help="comma-separated: hybrid,dense,keyword")

    def handle(self, *args, **options):
        path = options["questions"]
        if not path.is_file():
            raise CommandError(f"no such question file: {path}")
        modes = [m.strip() for m in options["modes"].split(",") if m.strip()]
        if unknown := [m for m in modes if m not in MODES]:
            raise CommandError(f"unknown mode(s) {unknown}; choose from {list(MODES)}")
        try:
            questions = questions_read(path)
            results = search_evaluate(questions, modes=modes)
        except (QuestionFileError, SearchUnavailable) as exc:
            raise CommandError(str(exc)) from exc
        asked = next(iter(results.values()))["questions"] if results else 0
        self.stdout.write(
            f"Search on {path.name}: {asked} of {len(questions)} questions have their paper indexed\n"
        )
        rows = [
            [mode] + [f"{m[key]:.3f}" for key in ("R@1", "R@5", "R@10", "MRR@10")]
            for mode, m in results.items()
        ]
        self.stdout.write(markdown_table(["mode", "Recall@1", "Recall@5", "Recall@10", "MRR@10"], rows))
