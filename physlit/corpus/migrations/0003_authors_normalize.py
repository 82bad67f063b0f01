"""Stored author names as harvest now writes them (text.author_normalize): TeX accents as Unicode, so that
`C. Bal\\'azs` is shown, searched and linked as `C. Balázs`. Only rows with TeX in their names change."""

from django.db import migrations

from physlit.text import author_normalize

BATCH = 2000
# Only names with a backslash, a brace or a tie can change (the rest is NFC already, harvest.records).
TEX_IN_NAMES = r"[\\{}~]"


def papers_authors_normalize(paper_model) -> int:
    """Rewrite `authors` and `authors_text` of the papers whose names carry TeX; returns how many changed.
    Takes the model class so that the migration passes its historical Paper and tests the current one."""
    changed = []
    rows = paper_model.objects.filter(authors_text__regex=TEX_IN_NAMES).only("pk", "authors", "authors_text")
    for paper in rows.iterator(chunk_size=BATCH):
        authors = [name for name in map(author_normalize, paper.authors) if name]
        if authors != paper.authors:
            paper.authors = authors
            paper.authors_text = "; ".join(authors).lower()  # as harvest.upsert writes it
            changed.append(paper)
    for start in range(0, len(changed), BATCH):
        paper_model.objects.bulk_update(changed[start : start + BATCH], ["authors", "authors_text"])
    return len(changed)


def forwards(apps, schema_editor):
    papers_authors_normalize(apps.get_model("corpus", "Paper"))


class Migration(migrations.Migration):
    dependencies = [("corpus", "0002_harvest_run_liveness")]

    # Backwards keeps the Unicode names: the TeX spelling is not needed by anything.
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
