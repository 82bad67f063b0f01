"""Category suggestion (stage: classify). Input: a title and an abstract, or a stored paper. Output:
arXiv categories with probabilities, most probable first; for a stored paper, the cross-lists the
classifier is confident of that the paper does not list.

The classifier serving is the registry's current "classifier" version (PHYSLIT_CLASSIFIER, an artifact
folder, overrides it), loaded once per process and rechecked every few seconds. Its encoder runs through
onnxruntime (PHYSLIT_CLASSIFIER_BACKEND, int8 by default) and its head in numpy: no torch in web workers.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from physlit.registry.current import CurrentSlot

RELOAD_CHECK_SECONDS = 5.0
# A stored paper's "suggested cross-list": a category it does not list that the classifier gives at least
# this probability.
CROSS_LIST_PROBABILITY = 0.5


class ClassifierUnavailable(RuntimeError):
    """No classifier has been trained yet."""


def _find() -> str | None:
    if settings.PHYSLIT_CLASSIFIER:
        return str(settings.PHYSLIT_CLASSIFIER)
    from physlit.registry.services import version_current

    current = version_current("classifier")
    return None if current is None else current.path


def _load(folder: str):
    from physlit.ml.classifier import classifier_load

    return classifier_load(
        Path(folder),
        backend=settings.PHYSLIT_CLASSIFIER_BACKEND,
        cache_dir=settings.PHYSLIT_MODELS_DIR / "onnx",
        threads=settings.PHYSLIT_ENCODER_THREADS or None,
    )


_slot = CurrentSlot(_find, _load, check_seconds=RELOAD_CHECK_SECONDS)


def classifier_current():
    """The serving classifier (physlit.ml.classifier.Classifier); ClassifierUnavailable when none."""
    _, classifier = _slot.get()
    if classifier is None:
        raise ClassifierUnavailable("no category classifier yet: run `python manage.py train classifier`")
    return classifier


def categories_suggest(title: str, abstract: str, top: int = 5) -> list[dict]:
    """[{"category", "probability"}] for a paper's title and abstract, most probable first."""
    from physlit.ml.encoder import paper_text

    pairs = classifier_current().suggest(paper_text(title, abstract), top=top)
    return [{"category": c, "probability": round(p, 4)} for c, p in pairs]


def cross_lists_suggested(title: str, abstract: str, listed: list[str]) -> list[dict]:
    """Categories the classifier gives at least CROSS_LIST_PROBABILITY that are not among `listed` (a stored
    paper's categories); [] when no classifier serves."""
    try:
        suggested = categories_suggest(title, abstract, top=5)
    except ClassifierUnavailable:
        return []
    return [
        s for s in suggested if s["probability"] >= CROSS_LIST_PROBABILITY and s["category"] not in listed
    ]


# A search query this long is a pasted abstract: the results page then also suggests its categories.
PASTED_ABSTRACT_WORDS = 40


def pasted_abstract_categories(query: str, top: int = 3) -> list[dict]:
    """Categories for a search query that is a pasted abstract (PASTED_ABSTRACT_WORDS words or more); []
    for a shorter query or when no classifier serves."""
    if len(query.split()) < PASTED_ABSTRACT_WORDS:
        return []
    try:
        return categories_suggest("", query, top=top)
    except ClassifierUnavailable:
        return []
