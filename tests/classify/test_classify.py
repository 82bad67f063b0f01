"""Category suggestion end to end: `train classifier` on a small corpus (tiny BERT), then POST /api/classify,
its refusals, and the paper page's suggested cross-lists."""

import io
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command

from physlit.harvest.records import PaperRecord, VersionRecord
from physlit.harvest.upsert import papers_upsert
from physlit.registry.models import ModelVersion
from physlit.training.classifier import held_out
from tests.support.corpus import CORPUS

pytestmark = pytest.mark.django_db


def classify_corpus() -> None:
    """CORPUS's papers again and again under fresh ids, some of them in the held-out tenth."""
    records, n, held = [], 0, 0
    while len(records) < 48 or held < 4:
        _, _, categories, first, authors, title, abstract = CORPUS[n % len(CORPUS)]
        arxiv_id = f"2403.{n:05d}"
        held += held_out(arxiv_id)
        records.append(
            PaperRecord(
                arxiv_id=arxiv_id,
                source="snapshot",
                title=title,
                abstract=abstract,
                authors=authors,
                categories=[*categories, "85A40,"],  # an MSC code among them, as in real records
                first_submitted=first or date(2024, 1, 1),
                last_updated=first or date(2024, 1, 1),
                versions=[VersionRecord(1)],
            )
        )
        n += 1
    papers_upsert(records)


@pytest.fixture
def classifier_settings(settings, tiny_bert, tmp_path):
    from physlit.registry.current import slots_reset

    settings.PHYSLIT_MODELS_DIR = tmp_path / "models"
    settings.PHYSLIT_CLASSIFIER_BASE = str(tiny_bert)
    settings.PHYSLIT_CLASSIFIER_MIN_COUNT = 2
    slots_reset()
    yield settings
    slots_reset()


def post(client, body, content_type="application/json"):
    import json

    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post("/api/classify", data=data, content_type=content_type)


def test_without_a_classifier_the_api_says_how_to_train_one(client, classifier_settings):
    response = post(client, {"title": "Surface codes", "abstract": "Logical qubits."})
    assert response.status_code == 503
    assert "train classifier" in response.json()["error"]


@pytest.mark.parametrize(
    "body, message",
    [
        ([], "expected a JSON object"),
        ({"title": 3}, '"title" must be a string'),
        ({"title": "", "abstract": "  "}, 'give a "title"'),
        ({"title": "x" * 1001}, "longer than 1000"),
        ({"title": "a\x00b"}, "control character"),
        ({"title": "ok", "top": 0}, '"top" must be an integer'),
        ({"title": "ok", "top": True}, '"top" must be an integer'),
    ],
)
def test_bad_input_gets_a_clear_json_error(client, classifier_settings, body, message):
    response = post(client, body)
    assert response.status_code == 400
    assert message in response.json()["error"]


def test_not_json_is_refused(client, classifier_settings):
    assert post(client, "title=x", content_type="application/x-www-form-urlencoded").status_code == 415
    assert client.get("/api/classify").status_code == 405


def test_train_classifier_then_the_api_and_the_paper_page_suggest_categories(client, classifier_settings):
    classify_corpus()
    out = io.StringIO()
    call_command("train", "classifier", "--max-minutes", "3", stdout=out)
    version = ModelVersion.objects.get(kind="classifier")
    assert version.status == ModelVersion.Status.CURRENT, out.getvalue()
    assert set(version.metrics["new"]) >= {"archive_top1", "archive_top3_recall", "category_macro_f1"}
    # the lexical model is fitted beside the transformer and served fused with it; the transformer alone is
    # scored for the record
    assert (Path(version.path) / "lexical.npz").is_file()
    assert "archive_top1" in version.metrics["new"]["transformer_alone"]

    response = post(client, {"title": "Surface codes for fault-tolerant quantum computation", "top": 3})
    assert response.status_code == 200
    categories = response.json()["categories"]
    assert len(categories) == 3
    probabilities = [c["probability"] for c in categories]
    assert probabilities == sorted(probabilities, reverse=True) and all(0 <= p <= 1 for p in probabilities)
    labels = {c["category"] for c in categories}
    corpus_categories = {c for row in CORPUS for c in row[2]}
    assert labels <= corpus_categories  # the stray MSC token "85A40," never became a label

    page = client.get("/papers/2403.00000")
    assert page.status_code == 200  # suggested cross-lists (if any) never break the page


def test_a_pasted_abstract_gets_category_suggestions_on_the_results_page(
    client, classifier_settings, search_settings
):
    from physlit.search.build import index_build

    classify_corpus()
    call_command("train", "classifier", "--max-minutes", "3", stdout=io.StringIO())
    index_build()
    abstract = (
        "We analyse thresholds of surface codes under circuit-level depolarizing noise and show logical "
        "error rates below a part in a million for distance 25, using a decoder that matches syndromes on a "
        "lattice of stabilizer measurements repeated in time, and we compare the overhead with concatenated "
        "codes."
    )
    page = client.get("/", {"q": abstract}).content.decode()
    assert "Categories for this abstract" in page
    short = client.get("/", {"q": "surface codes"}).content.decode()
    assert "Categories for this abstract" not in short
