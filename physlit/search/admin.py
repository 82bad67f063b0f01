from django.contrib import admin

from physlit.search.models import SearchIndex


@admin.register(SearchIndex)
class SearchIndexAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "status",
        "count",
        "added",
        "dim",
        "dense_kind",
        "encoder_backend",
        "build_seconds",
        "created_at",
    )
    list_filter = ("status",)
    readonly_fields = [f.name for f in SearchIndex._meta.fields]
