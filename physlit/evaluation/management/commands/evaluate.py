"""`evaluate --questions FILE [--compare A B]`: prints search, answer and summary metrics beside their
baselines, and writes them as an HTML report with a Recall@k plot (physlit.evaluation.report)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from physlit.evaluation.answers import UNANSWERABLE, answers_report
from physlit.evaluation.questions import QuestionFileError, questions_read
from physlit.evaluation.report import (
    Report,
    UnknownEncoder,
    encoder_label,
    encoder_reference_for,
    report_write,
)
from physlit.evaluation.search import search_evaluate, search_evaluate_encoder
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
        parser.add_argument(
            "--unanswerable", type=Path, default=UNANSWERABLE, help="questions the corpus cannot answer"
        )
        parser.add_argument("--no-answers", action="store_true", help="skip the answer metrics")
        parser.add_argument("--no-summaries", action="store_true", help="skip the summary metrics")
        parser.add_argument(
            "--compare",
            nargs=2,
            metavar=("A", "B"),
            help="also score dense and hybrid search with two encoders (version ids, base or current) over a "
            "temporary in-memory index of the indexed papers (slow on a large corpus)",
        )
        parser.add_argument("--no-report", action="store_true", help="do not write the HTML report")

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
        # Every section is printed and kept for the HTML report (physlit.evaluation.report).
        report = Report(questions=path.name)

        def out(text: str) -> None:
            self.stdout.write(text)
            report.sections.append(text)

        from physlit.search.build import index_current

        served = encoder_label(index_current().encoder)
        asked = next(iter(results.values()))["questions"] if results else 0
        out(
            f"Search on {path.name}: {asked} of {len(questions)} questions have their paper indexed "
            f"(dense side: {served}; keyword = BM25 alone)\n"
        )
        rows = [
            [mode] + [f"{m[key]:.3f}" for key in ("R@1", "R@5", "R@10", "MRR@10")]
            for mode, m in results.items()
        ]
        out(markdown_table(["mode", "Recall@1", "Recall@5", "Recall@10", "MRR@10"], rows))
        for mode, m in results.items():
            report.curves[mode if mode == "keyword" else f"{mode}, {served}"] = m["curve"]
            report.summary[f"{mode} R@10"] = m["R@10"]
        if options["compare"]:
            out(self.compare(questions, options["compare"], report))
        if not options["no_answers"]:
            try:
                unanswerable = questions_read(options["unanswerable"])
            except (OSError, QuestionFileError) as exc:
                raise CommandError(f"unanswerable questions: {exc}") from exc
            out(answers_report(questions, unanswerable))
        if not options["no_summaries"]:
            out(summaries_report(questions))
        if not options["no_report"]:
            row = report_write(report)
            self.stdout.write(f"\nreport: {row.path} (admin: evaluation reports)")

    def compare(self, questions, specs: list[str], report: Report) -> str:
        """Dense and hybrid search with each of two encoders, on the same papers and questions."""
        try:
            references = [encoder_reference_for(spec) for spec in specs]
        except UnknownEncoder as exc:
            raise CommandError(str(exc)) from exc
        rows = []
        for reference in references:
            label = encoder_label(reference)
            for mode, m in search_evaluate_encoder(questions, reference=reference).items():
                rows.append([mode, label] + [f"{m[key]:.3f}" for key in ("R@1", "R@5", "R@10", "MRR@10")])
                report.curves[f"{mode}, {label} (compare)"] = m["curve"]
                report.summary[f"{mode} R@10 {label}"] = m["R@10"]
        return "\nEncoders compared (temporary in-memory index of the indexed papers)\n" + markdown_table(
            ["mode", "encoder", "Recall@1", "Recall@5", "Recall@10", "MRR@10"], rows
        )


def summaries_report(questions) -> str:
    """Summary ROUGE against the questions' tldr, the current summarizer beside same-run baselines."""
    from physlit.evaluation.summaries import summaries_evaluate

    result = summaries_evaluate(questions)
    rows = [
        [name]
        + [f"{m[k]:.1f}" for k in ("ROUGE-1", "ROUGE-2", "ROUGE-L", "words")]
        + [f"{m[k]:.0f} %" for k in ("fragment", "lead copy", "result stated")]
        for name, m in result["table"].items()
    ]
    with_result = max((int(m["with result"]) for m in result["table"].values()), default=0)
    return (
        f"\nSummaries on {result['questions']} questions with a tldr and their paper in the corpus "
        f"(faithfulness guard rejected {result['rejected']}; result stated: of the {with_result} whose "
        "abstract states a result)\n"
        + markdown_table(
            [
                "summary",
                "ROUGE-1",
                "ROUGE-2",
                "ROUGE-L",
                "words",
                "fragments",
                "lead copies",
                "result stated",
            ],
            rows,
        )
    )
