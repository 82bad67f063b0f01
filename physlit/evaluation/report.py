"""Evaluation report: the `evaluate` command's sections (markdown tables as printed) and Recall@k curves
written as one self-contained HTML page with an inline SVG plot under PHYSLIT_REPORTS_DIR, plus the
EvaluationReport row the admin lists it by."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings

from physlit.ml.files import atomic_path
from physlit.registry.models import EvaluationReport

COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")


@dataclass
class Report:
    """What `evaluate` printed, section by section, and the Recall@1..10 curve of each retriever."""

    questions: str
    sections: list[str] = field(default_factory=list)
    curves: dict[str, list[float]] = field(default_factory=dict)  # label -> [Recall@1, ..., Recall@10]
    summary: dict = field(default_factory=dict)


def _markdown_to_html(text: str) -> str:
    """Markdown tables (| a | b |) become HTML tables; other lines paragraphs."""
    out: list[str] = []
    rows: list[list[str]] = []

    def flush() -> None:
        if rows:
            head, body = rows[0], [r for r in rows[1:] if not all(re.fullmatch(r"-+", c) for c in r)]
            out.append(
                "<table><thead><tr>" + "".join(f"<th>{html.escape(c)}</th>" for c in head) + "</tr></thead>"
            )
            out.append(
                "<tbody>"
                + "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in body)
                + "</tbody></table>"
            )
            rows.clear()

    for line in text.splitlines():
        line = line.strip()
        if line.startswith("|") and line.endswith("|"):
            rows.append([c.strip() for c in line[1:-1].split("|")])
            continue
        flush()
        if line:
            out.append(f"<p>{html.escape(line)}</p>")
    flush()
    return "\n".join(out)


def recall_svg(curves: dict[str, list[float]], *, width: int = 640, height: int = 340) -> str:
    """An SVG line plot of Recall@k (k = 1..n) for each labelled curve, with axes and a legend."""
    left, right, top, bottom = 50, 200, 20, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    n = max((len(c) for c in curves.values()), default=10)

    def x(k: int) -> float:
        return left + (k - 1) / max(n - 1, 1) * plot_w

    def y(v: float) -> float:
        return top + (1 - v) * plot_h

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="Recall at k">',
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#999"/>',
    ]
    for tick in range(0, 11, 2):
        v = tick / 10
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#eee"/>'
        )
        parts.append(
            f'<text x="{left - 6}" y="{y(v) + 4:.1f}" font-size="11" text-anchor="end">{v:.1f}</text>'
        )
    for k in range(1, n + 1):
        parts.append(
            f'<text x="{x(k):.1f}" y="{top + plot_h + 16}" font-size="11" text-anchor="middle">{k}</text>'
        )
    parts.append(
        f'<text x="{left + plot_w / 2}" y="{height - 6}" font-size="12" text-anchor="middle">k</text>'
        f'<text x="14" y="{top + plot_h / 2}" font-size="12" text-anchor="middle" '
        f'transform="rotate(-90 14 {top + plot_h / 2})">Recall@k</text>'
    )
    for i, (label, values) in enumerate(curves.items()):
        color = COLORS[i % len(COLORS)]
        points = " ".join(f"{x(k):.1f},{y(v):.1f}" for k, v in enumerate(values, start=1))
        parts.append(f'<polyline points="{points}" fill="none" stroke="{color}" stroke-width="2"/>')
        ly = top + 14 + i * 18
        parts.append(
            f'<line x1="{left + plot_w + 12}" x2="{left + plot_w + 32}" y1="{ly - 4}" y2="{ly - 4}" '
            f'stroke="{color}" stroke-width="2"/><text x="{left + plot_w + 38}" y="{ly}" font-size="11">'
            f"{html.escape(label)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def report_html(report: Report, *, created: datetime) -> str:
    sections = "\n".join(f"<section>{_markdown_to_html(s)}</section>" for s in report.sections)
    plot = recall_svg(report.curves) if report.curves else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>physlit evaluation {created:%Y-%m-%d %H:%M}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}}
table{{border-collapse:collapse;margin:.5rem 0 1.5rem}}td,th{{border:1px solid #ccc;padding:.2rem .6rem;
text-align:right}}td:first-child,th:first-child{{text-align:left}}</style></head>
<body><h1>physlit evaluation</h1>
<p>{html.escape(report.questions)}, {created:%Y-%m-%d %H:%M} UTC</p>
<h2>Recall@k by retriever and encoder</h2>
{plot}
{sections}
</body></html>
"""


def report_write(report: Report) -> EvaluationReport:
    """Write the page to PHYSLIT_REPORTS_DIR/<UTC time>.html and record it."""
    created = datetime.now(UTC)
    path = Path(settings.PHYSLIT_REPORTS_DIR) / f"{created:%Y%m%d-%H%M%S-%f}.html"
    with atomic_path(path) as tmp:
        tmp.write_text(report_html(report, created=created), encoding="utf-8")
    return EvaluationReport.objects.create(path=str(path), questions=report.questions, summary=report.summary)


class UnknownEncoder(ValueError):
    pass


def encoder_reference_for(spec: str) -> str:
    """`evaluate --compare` names an encoder as "base", "current" or a model version id."""
    from physlit.search.encoding import PACKAGED, encoder_reference

    if spec == "base":
        return settings.PHYSLIT_ENCODER or PACKAGED
    if spec == "current":
        return encoder_reference()
    from physlit.registry.models import ModelVersion

    version = ModelVersion.objects.filter(pk=int(spec) if spec.isdigit() else -1, kind="encoder").first()
    if version is None:
        raise UnknownEncoder(f"no encoder version {spec!r} (use an id from `models list`, base or current)")
    return version.path


def encoder_label(reference: str) -> str:
    """What a report calls an encoder: "encoder v3", or "base encoder" for the untrained one."""
    from physlit.registry.models import ModelVersion

    version = ModelVersion.objects.filter(kind="encoder", path=reference).first()
    return version.label if version else "base encoder"
