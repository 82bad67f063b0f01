"""Shared by the search tests: a small physics corpus and an index built with the packaged MiniLM.

Fixtures (registered by tests/conftest.py): `indexed` (papers stored and indexed).
"""

from datetime import date

import pytest

from physlit.harvest.records import PaperRecord, VersionRecord
from physlit.harvest.upsert import papers_upsert
from physlit.registry.current import slots_reset
from physlit.search.build import index_build

CORPUS = [
    (
        "2401.00001",
        "hep-th",
        ["hep-th", "gr-qc"],
        date(2024, 1, 10),
        ["Juan Maldacena", "Ana Núñez"],
        "Entanglement entropy of black hole horizons in AdS/CFT",
        "We compute the entanglement entropy of black hole horizons using the Ryu-Takayanagi formula "
        "$S = A/4G_N$ and find agreement with the Bekenstein-Hawking result.",
    ),
    (
        "2401.00002",
        "quant-ph",
        ["quant-ph"],
        date(2024, 1, 12),
        ["Peter Shor"],
        "Surface codes for fault-tolerant quantum computation",
        "We analyse thresholds of surface codes under circuit-level depolarizing noise and show logical "
        "error rates below $10^{-6}$ for distance 25.",
    ),
    (
        "2401.00003",
        "astro-ph.CO",
        ["astro-ph.CO"],
        date(2023, 6, 1),
        ["Vera Rubin"],
        "Dark matter halo profiles from cosmological simulations",
        "N-body simulations of cold dark matter give density profiles of halos close to the NFW form.",
    ),
    (
        "2401.00004",
        "cond-mat.supr-con",
        ["cond-mat.supr-con", "cond-mat.str-el"],
        date(2022, 3, 3),
        ["B. Ødegaard"],
        "Superconductivity in twisted bilayer graphene",
        "Near the magic angle twisted bilayer graphene shows flat bands and unconventional "
        "superconductivity.",
    ),
    (
        "2401.00005",
        "quant-ph",
        ["quant-ph", "cond-mat.mes-hall"],
        date(2021, 9, 9),
        ["John Martinis"],
        "Decoherence of superconducting transmon qubits",
        "We measure the relaxation and dephasing times of transmon qubits and identify two-level-system "
        "defects as the dominant source of decoherence.",
    ),
    (
        "2401.00006",
        "gr-qc",
        ["gr-qc", "astro-ph.HE"],
        date(2020, 2, 2),
        ["Kip Thorne"],
        "Gravitational waves from binary black hole mergers",
        "We model the inspiral, merger and ringdown of binary black holes and the gravitational wave signal "
        "seen by LIGO detectors.",
    ),
    (
        "2401.00007",
        "hep-ph",
        ["hep-ph"],
        date(2019, 5, 5),
        ["Lisa Randall"],
        "Warped extra dimensions and the hierarchy problem",
        "A warped extra dimension explains the large hierarchy between the weak and Planck scales.",
    ),
    (
        "2401.00008",
        "hep-th",
        ["hep-th"],
        date(2018, 7, 7),
        ["Edward Witten"],
        "Anti-de Sitter space and holography",
        "Correlation functions of a conformal field theory are computed from supergravity on "
        "anti-de Sitter space.",
    ),
]


def corpus_records(rows=CORPUS) -> list[PaperRecord]:
    return [
        PaperRecord(
            arxiv_id=arxiv_id,
            source="snapshot",
            title=title,
            abstract=abstract,
            authors=authors,
            categories=categories,
            first_submitted=first,
            last_updated=first,
            versions=[VersionRecord(1)],
        )
        for arxiv_id, _, categories, first, authors, title, abstract in rows
    ]


@pytest.fixture(scope="session")
def models_dir(tmp_path_factory):
    """One ONNX export per test session."""
    return tmp_path_factory.mktemp("models")


@pytest.fixture
def search_settings(settings, tmp_path, models_dir):
    settings.PHYSLIT_INDEX_DIR = tmp_path / "index"
    settings.PHYSLIT_MODELS_DIR = models_dir
    settings.PHYSLIT_ENCODER = ""
    settings.PHYSLIT_ENCODER_BACKEND = "onnx-int8"
    slots_reset()
    yield settings
    slots_reset()


@pytest.fixture
def indexed(db, search_settings):
    papers_upsert(corpus_records())
    return index_build()
