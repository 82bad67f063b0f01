"""The database cache's table (settings.CACHES without PHYSLIT_CACHE_URL): `migrate` creates it, so every
start path (make run, compose's migrate service) has it without a separate `createcachetable`."""

from django.core.management import call_command
from django.db import migrations


def cache_table_create(apps, schema_editor) -> None:
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies: list = []
    operations = [migrations.RunPython(cache_table_create, migrations.RunPython.noop)]
