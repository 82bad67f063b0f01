from pathlib import Path

from django.conf import settings
from django.contrib import admin
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html

from physlit.registry.models import EvaluationReport, ModelVersion


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "kind",
        "status",
        "score",
        "baseline_score",
        "train_examples",
        "train_seconds",
        "device",
        "created_at",
        "promoted_at",
    )
    list_filter = ("kind", "status")
    readonly_fields = [f.name for f in ModelVersion._meta.fields]


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
