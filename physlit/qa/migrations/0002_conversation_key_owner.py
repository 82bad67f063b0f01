"""Conversations get an unguessable key and an owner. Existing ones get a key and no owner: nobody sees
them any more, and the retention limit deletes them."""

from django.db import migrations, models

import physlit.qa.models


def keys_fill(apps, schema_editor) -> None:
    Conversation = apps.get_model("qa", "Conversation")
    for conversation in Conversation.objects.filter(key__isnull=True).only("pk"):
        conversation.key = physlit.qa.models.conversation_key_new()
        conversation.save(update_fields=["key"])


class Migration(migrations.Migration):
    dependencies = [("qa", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="conversation",
            name="key",
            field=models.CharField(editable=False, max_length=32, null=True),
        ),
        migrations.RunPython(keys_fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="conversation",
            name="key",
            field=models.CharField(
                default=physlit.qa.models.conversation_key_new, editable=False, max_length=32, unique=True
            ),
        ),
        migrations.AddField(
            model_name="conversation",
            name="owner",
            field=models.CharField(blank=True, db_index=True, max_length=64),
        ),
        migrations.AddIndex(
            model_name="conversation",
            index=models.Index(fields=["updated_at"], name="qa_conversation_updated"),
        ),
    ]
