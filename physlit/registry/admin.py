from django.contrib import admin

from physlit.registry.models import ModelVersion


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
