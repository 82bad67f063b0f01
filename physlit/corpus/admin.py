from django.contrib import admin

from physlit.corpus.models import HarvestCursor, HarvestRun, Paper, PaperVersion


class PaperVersionInline(admin.TabularInline):
    model = PaperVersion
    extra = 0


@admin.register(Paper)
class PaperAdmin(admin.ModelAdmin):
    list_display = (
        "arxiv_id",
        "title",
        "primary_category",
        "first_submitted",
        "last_updated",
        "latest_version",
    )
    list_filter = ("primary_category",)
    search_fields = ("arxiv_id", "title", "authors_text")
    date_hierarchy = "first_submitted"
    readonly_fields = ("created_at", "updated_at")
    inlines = [PaperVersionInline]


@admin.register(HarvestRun)
class HarvestRunAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "source",
        "status",
        "started_at",
        "finished_at",
        "heartbeat_at",
        "host",
        "pid",
        "pages",
        "records_seen",
        "papers_created",
        "papers_updated",
        "records_skipped",
    )
    list_filter = ("source", "status")
    readonly_fields = [f.name for f in HarvestRun._meta.fields]


@admin.register(HarvestCursor)
class HarvestCursorAdmin(admin.ModelAdmin):
    list_display = ("source", "set_spec", "metadata_prefix", "from_date", "resumption_token", "updated_at")
