"""Fixtures shared by several test folders: the shared data folder, the one tiny BERT sentence encoder, the
search corpus and index (tests.support.corpus), the encoder-adaptation corpus and the QA reader."""

import json
import shutil
from pathlib import Path

import pytest
from django.conf import settings

from physlit.harvest.upsert import papers_upsert
from physlit.registry.current import slots_reset
from physlit.search.build import index_build
from tests.support.corpus import corpus_records
from tests.support.encoder_corpus import adapt_records, split_ids
from tests.support.qa_corpus import QA_CORPUS

# corpus.py keeps its fixtures (models_dir, search_settings, indexed) beside the corpus they index.
pytest_plugins = ["tests.support.corpus"]

TINY_DIM = 32


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    path = Path(settings.SHARED_DIR)
    if not path.is_dir():
        pytest.skip(f"shared data not found at {path} (set PHYSLIT_SHARED_DIR)")
    return path


@pytest.fixture(scope="session")
def fixtures_dir(shared_dir: Path) -> Path:
    return shared_dir / "fixtures"


@pytest.fixture(scope="session")
def tiny_bert(tmp_path_factory) -> Path:
    """The one tiny encoder: a sentence-transformers folder holding a 2-layer BERT of width 32 (random
    weights, seed 0) with the packaged MiniLM's tokenizer, mean pooling and normalisation. Read-only: a test
    that writes beside the model copies it first (shutil.copytree)."""
    import torch
    from transformers import AutoTokenizer, BertConfig, BertModel

    from physlit.ml.encoder import packaged_model_path

    packaged = packaged_model_path()
    folder = tmp_path_factory.mktemp("tiny-bert")
    tokenizer = AutoTokenizer.from_pretrained(packaged)
    config = BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=TINY_DIM,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=512,
    )
    torch.manual_seed(0)
    BertModel(config).eval().save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    for name in ("modules.json", "sentence_bert_config.json", "config_sentence_transformers.json"):
        shutil.copy2(packaged / name, folder / name)
    (folder / "1_Pooling").mkdir()
    pooling = json.loads((packaged / "1_Pooling" / "config.json").read_text())
    pooling["word_embedding_dimension"] = TINY_DIM
    (folder / "1_Pooling" / "config.json").write_text(json.dumps(pooling))
    if (packaged / "2_Normalize").is_dir():
        shutil.copytree(packaged / "2_Normalize", folder / "2_Normalize")
    return folder


@pytest.fixture(scope="session")
def tiny_models_dir(tmp_path_factory):
    """Shared by the tests: ONNX exports are named by weights fingerprint, artifacts by time + random."""
    return tmp_path_factory.mktemp("adapt-models")


@pytest.fixture
def adapt_settings(search_settings, tiny_bert, tiny_models_dir):
    search_settings.PHYSLIT_ENCODER = str(tiny_bert)
    search_settings.PHYSLIT_ENCODER_TRAIN_BATCH = 8
    search_settings.PHYSLIT_ENCODER_VALIDATION_PAIRS = 8
    search_settings.PHYSLIT_MODELS_DIR = tiny_models_dir
    return search_settings


@pytest.fixture
def adapt_corpus(db) -> list[str]:
    """The 8 search-test papers (in training) plus 24 variants, 4 of them held out for validation."""
    ids = split_ids(28, 4)
    papers_upsert(adapt_records(ids))
    return ids


@pytest.fixture
def qa_indexed(db, search_settings):
    papers_upsert(corpus_records(QA_CORPUS))
    slots_reset()
    row = index_build()
    yield row
    slots_reset()


_trained: dict[str, str] = {}


@pytest.fixture
def qa_reader(qa_indexed, settings):
    """A reader trained once per session on QA_CORPUS (small MLPs, the packaged MiniLM as encoder); returns
    its folder. The corpus (a few short abstracts) bounds the training, not max_minutes."""
    if "path" not in _trained:
        from physlit.training.services import model_train

        settings.PHYSLIT_READER_TRAIN_PAPERS = len(QA_CORPUS)  # every paper stored, stated: data bounds it

        version = model_train(kind="reader", max_minutes=2, log=lambda line: None)
        _trained["path"] = version.path
    settings.PHYSLIT_READER = _trained["path"]
    slots_reset()
    return _trained["path"]
