"""A summarizer version made current (trained, promoted or rolled back to) re-summarizes in the background;
the old summaries keep showing until each paper's new one is written."""

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from physlit.registry.models import ModelVersion


@receiver(post_save, sender=ModelVersion, dispatch_uid="summaries-on-new-summarizer")
def summarizer_changed(sender, instance: ModelVersion, created=False, update_fields=None, **kwargs):
    if instance.kind != ModelVersion.Kind.SUMMARIZER:
        return
    if created and instance.status != ModelVersion.Status.CURRENT:
        return  # a new candidate: nothing serves it yet
    if not created and (update_fields is None or "status" not in update_fields):
        return
    from physlit.tasks import summarize_pending  # tasks import every stage: loaded only when needed

    transaction.on_commit(lambda: summarize_pending.delay())
