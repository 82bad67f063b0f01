"""physlit: a local, searchable, always-growing copy of arXiv physics."""

from physlit.celery import app as celery_app

__all__ = ("celery_app",)
