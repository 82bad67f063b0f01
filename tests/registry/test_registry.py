"""Encoder versions: promotion rebuilds the index in the background and switches over only when it is
complete (search meanwhile serves the old index with the old encoder); rollback restores the previous
encoder's index; an interrupted rebuild leaves the old index serving."""

from pathlib import Path

import pytest
from django.core.management import call_command

from physlit.ml import encoder_training as et
from physlit.ml.training import artifact_write
from physlit.registry.current import slots_reset
from physlit.registry.models import ModelVersion
from physlit.registry.services import version_promote, version_register
from physlit.search import build, service
from physlit.search.build import index_build, index_current
from physlit.search.encoding import encoder_for_index
from physlit.search.models import SearchIndex
from physlit.training.services import TrainResult, promotion_request, rollback_request


def encoder_version(base: Path, models_dir: Path, seed: int) -> ModelVersion:
    """A registered encoder artifact: the tiny base with its weights nudged (a distinct fingerprint)."""
    import torch

    model, tokenizer = et.model_load(base, torch.device("cpu"))
    torch.manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.01)
    path = artifact_write(models_dir, "encoder", lambda f: et.model_save(model, tokenizer, base, f))
    return version_register(kind="encoder", result=TrainResult(path=path, base=str(base), score=0.5))


def served_row() -> SearchIndex:
    slots_reset()
    hits = service.papers_search(query="black hole entropy", k=3, mode="dense")
    assert hits
    return service.index_loaded().row


@pytest.fixture
def old_index(adapt_settings, adapt_corpus, tiny_bert):
    row = index_build()
    assert row.encoder == str(tiny_bert)
    return row


@pytest.mark.slow
def test_promoting_an_encoder_rebuilds_then_switches(
    old_index, adapt_settings, tiny_bert, monkeypatch, django_capture_on_commit_callbacks
):
    version = encoder_version(tiny_bert, adapt_settings.PHYSLIT_MODELS_DIR, seed=1)
    during = {}
    embed = build._embed_into

    def watching(dense, encoder, pks, progress, row):
        # Mid-rebuild: the version is not current yet and search serves the old index and its encoder.
        during["status"] = ModelVersion.objects.get(pk=version.pk).status
        during["row"] = served_row()
        during["fingerprint"] = encoder_for_index(during["row"]).fingerprint
        return embed(dense, encoder, pks, progress, row)

    monkeypatch.setattr(build, "_embed_into", watching)
    with django_capture_on_commit_callbacks(execute=True):
        promoted = promotion_request(version.pk)
    assert promoted.status == ModelVersion.Status.PROMOTING  # returned before the queued task ran
    assert during["status"] == ModelVersion.Status.PROMOTING
    assert during["row"].pk == old_index.pk and during["fingerprint"] == old_index.encoder_fingerprint

    version.refresh_from_db()
    assert version.status == ModelVersion.Status.CURRENT
    new = index_current()
    assert new.pk != old_index.pk and new.encoder == version.path and new.count == old_index.count
    assert new.encoder_fingerprint != old_index.encoder_fingerprint
    assert served_row().pk == new.pk
    assert encoder_for_index(new).fingerprint == new.encoder_fingerprint
    # Later incremental builds keep the promoted encoder.
    assert index_build().pk == new.pk


@pytest.mark.slow
def test_rollback_restores_the_previous_encoder_and_its_index(
    old_index, adapt_settings, tiny_bert, django_capture_on_commit_callbacks
):
    first = encoder_version(tiny_bert, adapt_settings.PHYSLIT_MODELS_DIR, seed=1)
    second = encoder_version(tiny_bert, adapt_settings.PHYSLIT_MODELS_DIR, seed=2)
    for version in (first, second):
        with django_capture_on_commit_callbacks(execute=True):
            promotion_request(version.pk)
    assert index_current().encoder == second.path

    with django_capture_on_commit_callbacks(execute=True):
        restored = rollback_request("encoder")
    assert restored.pk == first.pk and restored.status == ModelVersion.Status.CURRENT
    assert index_current().encoder == first.path and served_row().encoder == first.path

    with django_capture_on_commit_callbacks(execute=True):
        assert rollback_request("encoder") is None  # back to the configured base encoder
    assert index_current().encoder == str(tiny_bert)
    assert index_current().encoder_fingerprint == old_index.encoder_fingerprint


@pytest.mark.slow
def test_an_interrupted_rebuild_leaves_the_old_index_serving(
    old_index, adapt_settings, tiny_bert, monkeypatch, django_capture_on_commit_callbacks
):
    version = encoder_version(tiny_bert, adapt_settings.PHYSLIT_MODELS_DIR, seed=3)

    def killed(*args, **kwargs):
        raise RuntimeError("worker killed")

    monkeypatch.setattr(build, "_embed_into", killed)
    with pytest.raises(RuntimeError), django_capture_on_commit_callbacks(execute=True):
        promotion_request(version.pk)

    version.refresh_from_db()
    assert version.status == ModelVersion.Status.CANDIDATE and "worker killed" in version.error
    assert index_current().pk == old_index.pk and served_row().pk == old_index.pk
    assert SearchIndex.objects.filter(status=SearchIndex.Status.FAILED).count() == 1
    assert not list(Path(adapt_settings.PHYSLIT_INDEX_DIR).glob("*.tmp"))


@pytest.mark.slow
def test_models_command_lists_and_promotes(
    old_index, adapt_settings, tiny_bert, capsys, django_capture_on_commit_callbacks
):
    version = encoder_version(tiny_bert, adapt_settings.PHYSLIT_MODELS_DIR, seed=4)
    with django_capture_on_commit_callbacks(execute=True):  # eager Celery: the rebuild runs on commit
        call_command("models", "promote", str(version.pk))
    call_command("models", "list", "--kind", "encoder")
    out = capsys.readouterr().out
    assert "index rebuild queued" in out and "current" in out
    assert index_current().encoder == version.path


@pytest.mark.django_db
def test_train_if_none_skips_a_kind_already_trained_and_unknown_ids_are_clear_errors(tmp_path, capsys):
    from django.core.management.base import CommandError

    version_register(kind="reader", result=TrainResult(path=tmp_path, base="tiny", score=0.5))
    call_command("train", "reader", "--if-none", "--max-minutes", "1")  # would need a corpus to train
    assert "nothing to do" in capsys.readouterr().out
    assert ModelVersion.objects.filter(kind="reader").count() == 1
    with pytest.raises(CommandError, match="no model version 999"):
        call_command("models", "promote", "999")
    with pytest.raises(CommandError, match="no current summarizer"):
        call_command("models", "rollback", "summarizer")


@pytest.mark.django_db
def test_a_summarizer_made_current_or_rolled_back_queues_resummarizing_on_commit(
    tmp_path, django_capture_on_commit_callbacks
):
    result = TrainResult(path=tmp_path, base="tiny", score=0.5)
    summarizer = version_register(kind="summarizer", result=result)
    reader = version_register(kind="reader", result=result)
    with django_capture_on_commit_callbacks() as queued:
        version_promote(summarizer.pk)  # the store alone queues nothing: orchestration does
    assert queued == []
    with django_capture_on_commit_callbacks() as queued:
        promotion_request(reader.pk)
    assert queued == []
    with django_capture_on_commit_callbacks() as queued:
        promotion_request(summarizer.pk)
    assert len(queued) == 1
    with django_capture_on_commit_callbacks() as queued:
        assert rollback_request("summarizer") is None
    assert len(queued) == 1
