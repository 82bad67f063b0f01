"""GET /api/papers/<id>?embedding=1: the paper's stored vector and the encoder that made it; a clear 400 for a
bad value, and a null embedding with a reason (never a 500) for a paper not indexed yet or no index."""

import numpy as np
import pytest

from physlit.corpus.models import Paper
from physlit.harvest.upsert import papers_upsert
from physlit.search.embeddings import embeddings_all
from tests.support.factories import paper_record

pytestmark = pytest.mark.django_db


def test_embedding_equals_the_index_vector_and_names_the_encoder(client, indexed):
    data = client.get("/api/papers/2401.00002", {"embedding": "1"}).json()
    stored = embeddings_all()
    row = stored.arxiv_ids.index("2401.00002")
    expected = next(block for rows, block in stored.chunks() if rows.start <= row < rows.stop)[row]
    assert len(data["embedding"]) == 384
    np.testing.assert_array_equal(np.asarray(data["embedding"], dtype=np.float32), expected)
    assert data["encoder"] == {"name": indexed.encoder, "version": None, "index": indexed.pk, "dim": 384}
    assert data["title"] == "Surface codes for fault-tolerant quantum computation"  # the usual fields stay


@pytest.mark.parametrize("value", ["", "0", "false"])
def test_without_embedding_no_vector_is_sent(client, indexed, value):
    data = client.get("/api/papers/2401.00002", {"embedding": value} if value else {}).json()
    assert "embedding" not in data and "encoder" not in data


@pytest.mark.parametrize("value", ["2", "maybe", "1; drop", "\x00"])
def test_bad_embedding_value_is_a_400_json(client, indexed, value):
    response = client.get("/api/papers/2401.00002", {"embedding": value})
    assert response.status_code == 400
    assert "embedding" in response.json()["error"]


def test_paper_not_indexed_yet_gets_a_null_embedding_with_a_reason(client, indexed):
    papers_upsert([paper_record("2402.09999")])
    response = client.get("/api/papers/2402.09999", {"embedding": "true"})
    assert response.status_code == 200
    data = response.json()
    assert data["embedding"] is None and "not in the search index" in data["embedding_reason"]
    assert data["encoder"]["index"] == indexed.pk


def test_no_index_yet_gets_a_null_embedding_with_a_reason(client, search_settings):
    papers_upsert([paper_record("2402.09999")])
    data = client.get("/api/papers/2402.09999", {"embedding": "1"}).json()
    assert data["embedding"] is None and data["encoder"] is None and "index" in data["embedding_reason"]
    assert Paper.objects.count() == 1
