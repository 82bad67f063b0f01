"""Encoder switch-over (stage: search). Input: an encoder version marked "promoting" in the registry.
Output: a search index rebuilt with it, and the version made current once that index is complete."""

from __future__ import annotations

from physlit.registry.models import ModelVersion
from physlit.registry.services import version_promote
from physlit.search.build import index_build


def encoder_promote(version_id: int) -> ModelVersion:
    """Rebuild the search index with encoder version `version_id`, then make the version current.

    Search keeps serving the old index (and encodes queries with the old encoder) until the new index row
    is ready; if the build fails the version goes back to candidate with the error, the old index serving.
    """
    version = ModelVersion.objects.get(pk=version_id, kind=ModelVersion.Kind.ENCODER)
    try:
        index_build(rebuild=True, model=version.path)
    except BaseException as exc:
        ModelVersion.objects.filter(pk=version.pk, status=ModelVersion.Status.PROMOTING).update(
            status=ModelVersion.Status.CANDIDATE, error=f"index rebuild failed: {exc!r}"
        )
        raise
    return version_promote(version.pk)
