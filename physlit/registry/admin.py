from pathlib import Path

from django.conf import settings
from django.contrib import admin
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html

from physlit.registry.models import EvaluationReport, ModelVersion


def _significant(value: float | None) -> str:
    # Scores are floats such as 0.8123456789012345: three significant digits are what a reader compares.
    return "-" if value is None else f"{value:.3g}"


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    """Read-only: rows are written by training and `models promote|rollback`, which also move the
    artifact pointers; an edit or a delete here would leave the registry and the files out of step."""

    list_display = (
        "id",
        "label",
        "status",
        "score_shown",
        "baseline_shown",
        "train_examples",
        "train_seconds",
        "device",
        "created_at",
        "promoted_at",
    )
    list_filter = ("kind", "status")
    fields = (
        "kind",
        "label",
        "status",
        "base",
        "path",
        "score_shown",
        "baseline_shown",
        "metrics",
        "train_examples",
        "train_seconds",
        "device",
        "error",
        "created_at",
        "promoted_at",
    )
    readonly_fields = fields

    @admin.display(description="score", ordering="score")
    def score_shown(self, obj):
        return _significant(obj.score)

    @admin.display(description="baseline score", ordering="baseline_score")
    def baseline_shown(self, obj):
        return _significant(obj.baseline_score)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(EvaluationReport)
class EvaluationReportAdmin(admin.ModelAdmin):
    list_display = ("id", "created_at", "questions", "headline", "page")
    readonly_fields = ("path", "questions", "summary", "created_at", "page")

    def has_add_permission(self, request):
        return False  # written by `manage.py evaluate`

    @admin.display(description="Recall@10")
    def headline(self, obj):
        return ", ".join(f"{k.removesuffix(' R@10')} {v:.2f}" for k, v in obj.summary.items() if "R@10" in k)

    @admin.display(description="report")
    def page(self, obj):
        return format_html(
            '<a href="{}">open</a>', reverse("admin:registry_evaluationreport_html", args=[obj.pk])
        )

    def get_urls(self):
        view = self.admin_site.admin_view(self.html_view)
        return [path("<int:pk>/html/", view, name="registry_evaluationreport_html"), *super().get_urls()]

    def html_view(self, request, pk: int):
        report = get_object_or_404(EvaluationReport, pk=pk)
        file = Path(report.path)
        # Only files inside the reports folder are served, whatever a row says.
        if not file.is_file() or Path(settings.PHYSLIT_REPORTS_DIR).resolve() not in file.resolve().parents:
            raise Http404("report file missing")
        return HttpResponse(file.read_text(encoding="utf-8"), content_type="text/html; charset=utf-8")
