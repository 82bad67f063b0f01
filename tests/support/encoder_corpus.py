"""Shared by the encoder adaptation and registry tests: a tiny real BERT sentence encoder (built from a
config, MiniLM's tokenizer) and a small corpus with papers on both sides of the held-out split.

Use: `pytest_plugins = ["tests.search_fixtures", "tests.encoder_fixtures"]`.
"""

import json
import shutil
from datetime import date

import pytest

from physlit.harvest.records import PaperRecord, VersionRecord
from physlit.harvest.upsert import papers_upsert
from physlit.ml.encoder_training import held_out
from tests.search_fixtures import CORPUS

DIM = 32


@pytest.fixture(scope="session")
def tiny_base(tmp_path_factory):
    """A sentence-transformers folder: 2-layer BERT of width 32, mean pooling, normalised."""
    from transformers import AutoTokenizer, BertConfig, BertModel

    from physlit.ml.encoder import packaged_model_path

    packaged = packaged_model_path()
    folder = tmp_path_factory.mktemp("tiny-encoder")
    tokenizer = AutoTokenizer.from_pretrained(packaged)
    config = BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=DIM,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=512,
    )
    import torch

    torch.manual_seed(0)
    BertModel(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    for name in ("modules.json", "sentence_bert_config.json", "config_sentence_transformers.json"):
        shutil.copy2(packaged / name, folder / name)
    (folder / "1_Pooling").mkdir()
    pooling = json.loads((packaged / "1_Pooling" / "config.json").read_text())
    pooling["word_embedding_dimension"] = DIM
    (folder / "1_Pooling" / "config.json").write_text(json.dumps(pooling))
    if (packaged / "2_Normalize").is_dir():
        shutil.copytree(packaged / "2_Normalize", folder / "2_Normalize")
    return folder


def split_ids(train: int, validation: int) -> list[str]:
    """arXiv-like ids: `train` outside the held-out slice, then `validation` inside it."""
    inside, outside, n = [], [], 0
    while len(inside) < validation or len(outside) < train:
        arxiv_id = f"2402.{n:05d}"
        (inside if held_out(arxiv_id) else outside).append(arxiv_id)
        n += 1
    return outside[:train] + inside[:validation]


@pytest.fixture(scope="session")
def tiny_models_dir(tmp_path_factory):
    """Shared by the tests: ONNX exports are named by weights fingerprint, artifacts by time + random."""
    return tmp_path_factory.mktemp("adapt-models")


@pytest.fixture
def adapt_settings(search_settings, tiny_base, tiny_models_dir):
    search_settings.PHYSLIT_ENCODER = str(tiny_base)
    search_settings.PHYSLIT_ENCODER_TRAIN_BATCH = 8
    search_settings.PHYSLIT_ENCODER_VALIDATION_PAIRS = 8
    search_settings.PHYSLIT_MODELS_DIR = tiny_models_dir
    return search_settings


@pytest.fixture
def adapt_corpus(db):
    """The 8 search-test papers (in training) plus 24 variants, 4 of them held out for validation."""
    records = []
    ids = split_ids(28, 4)
    for i, arxiv_id in enumerate(ids):
        _, _, categories, first, authors, title, abstract = CORPUS[i % len(CORPUS)]
        variant = i // len(CORPUS)
        records.append(
            PaperRecord(
                arxiv_id=arxiv_id,
                source="snapshot",
                title=f"{title} (part {variant})" if variant else title,
                abstract=f"{abstract} We also study case {variant}. It matters for case {variant}.",
                authors=authors,
                categories=categories,
                first_submitted=first or date(2024, 1, 1),
                last_updated=first or date(2024, 1, 1),
                versions=[VersionRecord(1)],
            )
        )
    papers_upsert(records)
    return ids
