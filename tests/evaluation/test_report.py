"""The evaluation report: `evaluate` prints its tables, writes one HTML page with a Recall@k plot that the
admin lists and opens, and `--compare` scores two encoder versions on the same papers."""

import json

import pytest
from django.core.management import call_command

from physlit.evaluation.report import Report, recall_svg, report_write
from physlit.registry.models import EvaluationReport


@pytest.fixture
def question_file(tmp_path):
    path = tmp_path / "questions.jsonl"
    rows = [
        {"id": "2401.00001", "question": "entanglement entropy of black hole horizons"},
        {"id": "2401.00002", "question": "surface code thresholds under depolarizing noise"},
        {"id": "2401.00006", "question": "gravitational wave signal from merging black holes"},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_recall_plot_has_one_line_per_curve():
    svg = recall_svg({"keyword": [0.5] * 10, "dense, base encoder": [0.1 * k for k in range(1, 11)]})
    assert svg.startswith("<svg") and svg.count("<polyline") == 2 and "dense, base encoder" in svg


def test_report_page_is_written_and_served_by_the_admin(db, settings, tmp_path, admin_client):
    settings.PHYSLIT_REPORTS_DIR = tmp_path / "reports"
    report = Report(questions="q.jsonl", sections=["| mode | Recall@10 |\n|---|---|\n| dense | 0.900 |"])
    report.curves["dense"] = [0.5] * 10
    report.summary["dense R@10"] = 0.9
    row = report_write(report)
    page = (tmp_path / "reports").glob("*.html")
    assert [p.name for p in page] == [row.path.rsplit("/", 1)[-1]]

    listing = admin_client.get("/admin/registry/evaluationreport/")
    assert listing.status_code == 200 and b"dense 0.90" in listing.content
    opened = admin_client.get(f"/admin/registry/evaluationreport/{row.pk}/html/")
    assert opened.status_code == 200
    assert b"<svg" in opened.content and b"<td>0.900</td>" in opened.content


def test_evaluate_compares_two_encoders_and_writes_the_report(
    indexed, settings, tmp_path, question_file, tiny_bert, capsys
):
    from physlit.registry.services import version_register
    from physlit.training.services import TrainResult

    settings.PHYSLIT_REPORTS_DIR = tmp_path / "reports"
    tiny = version_register(kind="encoder", result=TrainResult(path=tiny_bert, base="test", score=0.1))
    call_command(
        "evaluate",
        "--questions",
        str(question_file),
        "--no-answers",
        "--no-summaries",
        "--compare",
        "base",
        str(tiny.pk),
    )
    out = capsys.readouterr().out
    assert "dense side: base encoder" in out
    assert "| dense | base encoder | 1.000 |" in out  # the packaged MiniLM finds all three at rank 1
    assert f"| hybrid | {tiny.label} |" in out
    row = EvaluationReport.objects.get()
    html = open(row.path).read()
    assert f"dense, {tiny.label} (compare)" in html and "keyword" in html
    assert row.summary["keyword R@10"] == 1.0
