"""Snapshot import: Kaggle JSON lines (plain or gzip) into the corpus, through the real files and command."""

import gzip
import json
import logging
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from physlit.corpus.categories import PHYSICS_ARCHIVES, categories_match
from physlit.corpus.models import HarvestRun, Paper, PaperCategory, PaperVersion
from physlit.harvest import snapshot
from physlit.harvest.snapshot import snapshot_import

pytestmark = pytest.mark.django_db


def kaggle(arxiv_id: str = "0704.0001", **fields) -> dict:
    """One object in the exact Kaggle schema (keys with dashes, nulls for absent values)."""
    obj = {
        "id": arxiv_id,
        "submitter": "Pavel Nadolsky",
        "authors": "C. Bal\\'azs, E. L. Berger, P. M. Nadolsky, C.-P. Yuan",
        "title": "Calculation of prompt diphoton production cross sections at Tevatron and\n  LHC energies",
        "comments": "37 pages, 15 figures; published version",
        "journal-ref": "Phys.Rev.D76:013009,2007",
        "doi": "10.1103/PhysRevD.76.013009",
        "report-no": "ANL-HEP-PR-07-12",
        "categories": "hep-ph",
        "license": None,
        "abstract": "  A fully differential calculation in perturbative\nquantum chromodynamics.\n",
        "versions": [
            {"version": "v1", "created": "Mon, 2 Apr 2007 19:18:42 GMT"},
            {"version": "v2", "created": "Tue, 24 Jul 2007 20:10:27 GMT"},
        ],
        "update_date": "2008-11-26",
        "authors_parsed": [
            ["Balázs", "C.", ""],
            ["Berger", "E. L.", ""],
            ["Nadolsky", "P. M.", ""],
            ["Yuan", "C. -P.", ""],
        ],
    }
    obj.update(fields)
    return obj


def write(path: Path, items: list, gz: bool = False) -> Path:
    """Objects become JSON lines; str/bytes items are written as they are (for malformed lines)."""
    lines = []
    for item in items:
        if isinstance(item, dict | list):
            item = json.dumps(item)
        lines.append(item.encode() if isinstance(item, str) else item)
    data = b"\n".join(lines) + b"\n"
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def ids() -> set[str]:
    return set(Paper.objects.values_list("arxiv_id", flat=True))


@pytest.mark.parametrize(
    ("name", "gz"), [("snap.jsonl", False), ("snap.json.gz", True), ("gzipped-without-suffix.json", True)]
)
def test_plain_and_gzip_files_import_with_every_field_mapped(tmp_path, name, gz):
    path = write(tmp_path / name, [kaggle(), kaggle("0704.0002", categories="quant-ph", authors_parsed=[])])
    run = snapshot_import(path, progress=False)

    assert run.status == HarvestRun.Status.SUCCEEDED
    assert (run.source, run.params["path"]) == ("snapshot", str(path))
    assert (run.records_seen, run.papers_created) == (2, 2)
    paper = Paper.objects.get(arxiv_id="0704.0001")
    assert paper.title == (
        "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"
    )
    assert paper.abstract == "A fully differential calculation in perturbative quantum chromodynamics."
    assert paper.authors == ["C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C. -P. Yuan"]
    assert (paper.categories, paper.primary_category) == (["hep-ph"], "hep-ph")
    assert paper.comments == "37 pages, 15 figures; published version"
    assert (paper.journal_ref, paper.doi, paper.report_no) == (
        "Phys.Rev.D76:013009,2007",
        "10.1103/PhysRevD.76.013009",
        "ANL-HEP-PR-07-12",
    )
    assert (paper.license, paper.submitter) == ("", "Pavel Nadolsky")
    assert paper.first_submitted == date(2007, 4, 2)
    assert paper.last_updated == date(2008, 11, 26)  # update_date is later than v2
    assert paper.latest_version == 2
    assert [(v.version, v.submitted.date()) for v in paper.versions.all()] == [
        (1, date(2007, 4, 2)),
        (2, date(2007, 7, 24)),
    ]
    assert paper.sources["title"] == "snapshot"
    # Without authors_parsed the authors string is split; TeX accents in names become Unicode.
    assert Paper.objects.get(arxiv_id="0704.0002").authors[0] == "C. Balázs"


def test_malformed_lines_are_reported_with_line_numbers_and_the_rest_imports(tmp_path, caplog):
    path = write(
        tmp_path / "snap.jsonl",
        [
            kaggle("0704.0001"),
            "{not json",
            [1, 2],
            kaggle("not-an-id"),
            kaggle("0704.0005", title=None, abstract="  "),
            {"title": "no id"},
            "",
            kaggle("0704.0008", versions="v1"),
            b'{"id": "0704.0009", "title": "\xff"}',
            kaggle("0704.0010"),
        ],
    )
    with caplog.at_level(logging.WARNING, logger="physlit.harvest.snapshot"):
        run = snapshot_import(path, progress=False)

    assert ids() == {"0704.0001", "0704.0010"}
    assert run.status == HarvestRun.Status.SUCCEEDED
    assert run.params["counts"]["malformed"] == 7
    assert (run.records_seen, run.records_skipped) == (9, 7)  # the blank line 7 is neither
    warned = [r.getMessage() for r in caplog.records]
    for lineno in (2, 3, 4, 5, 6, 8, 9):
        assert any(f"snap.jsonl:{lineno}: skipped malformed line" in m for m in warned), lineno
    assert any("not an arXiv id" in m for m in warned)


def test_an_empty_author_entry_is_skipped_and_deeply_nested_json_is_a_malformed_line(tmp_path, caplog):
    path = write(
        tmp_path / "snap.jsonl",
        [
            kaggle("0704.0001", authors_parsed=[[], ["Yuan", "C.-P.", ""], [None]]),
            "[" * 100_000 + "]" * 100_000,
            kaggle("0704.0003"),
        ],
    )
    with caplog.at_level(logging.WARNING, logger="physlit.harvest.snapshot"):
        run = snapshot_import(path, progress=False)

    assert run.status == HarvestRun.Status.SUCCEEDED
    assert ids() == {"0704.0001", "0704.0003"}
    assert Paper.objects.get(arxiv_id="0704.0001").authors == ["C.-P. Yuan"]
    assert run.params["counts"]["malformed"] == 1
    assert any("snap.jsonl:2: skipped malformed line" in r.getMessage() for r in caplog.records)


def test_control_characters_and_overlong_values_do_not_fail_the_batch(tmp_path):
    # PostgreSQL refuses NUL in text and values longer than a CharField; SQLite takes both.
    doi = "10.1103/" + "x" * 392
    path = write(
        tmp_path / "snap.jsonl",
        [
            kaggle(
                "0704.0001",
                title="Bell\x07 and\ttab",
                abstract="Before\x00after the NUL.\x1b",
                doi=doi,
                categories="hep-th " + "junk" * 10,
                authors_parsed=[["\x00", "", ""], ["Yuan", "C.\x00", ""]],
            ),
            kaggle("0704.0002"),
        ],
    )
    run = snapshot_import(path, progress=False)

    assert (run.status, run.papers_created) == (HarvestRun.Status.SUCCEEDED, 2)
    paper = Paper.objects.get(arxiv_id="0704.0001")
    assert (paper.title, paper.abstract) == ("Bell and tab", "Beforeafter the NUL.")
    assert paper.authors == ["C. Yuan"]
    assert paper.doi == doi[:255]
    assert paper.categories == ["hep-th"]
    assert list(paper.category_rows.values_list("category", flat=True)) == ["hep-th"]


def test_warnings_stop_at_the_cap_then_one_count(tmp_path, caplog, monkeypatch):
    monkeypatch.setattr(snapshot, "MAX_WARNINGS", 2)
    path = write(tmp_path / "snap.jsonl", [kaggle()] + ["oops"] * 5)
    with caplog.at_level(logging.WARNING, logger="physlit.harvest.snapshot"):
        snapshot_import(path, progress=False)
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 3
    assert messages[-1].endswith("3 more malformed lines not shown")


def test_category_filter_keeps_cross_lists_and_sub_categories(tmp_path):
    path = write(
        tmp_path / "snap.jsonl",
        [
            kaggle("0704.0001", categories="hep-th"),
            kaggle("0704.0002", categories="math.MP quant-ph"),  # cross-listed to physics
            kaggle("0704.0003", categories="cond-mat.str-el"),
            kaggle("0704.0004", categories="cond-mat.mes-hall"),
            kaggle("0704.0005", categories="cs.LG stat.ML"),
            kaggle("0704.0006", categories="math.AG"),
            kaggle("0704.0007", categories="physics.optics"),
        ],
    )
    run = snapshot_import(path, progress=False)
    assert ids() == {"0704.0001", "0704.0002", "0704.0003", "0704.0004", "0704.0007"}
    assert run.params["counts"]["skipped"] == 2
    assert Paper.objects.get(arxiv_id="0704.0002").primary_category == "math.MP"

    Paper.objects.all().delete()
    snapshot_import(path, categories="cond-mat.str-el,quant-ph", progress=False)
    assert ids() == {"0704.0002", "0704.0003"}

    Paper.objects.all().delete()
    call_command(
        "import_snapshot", str(path), "--categories", "cond-mat, cs", "--no-progress", stdout=StringIO()
    )
    assert ids() == {"0704.0003", "0704.0004", "0704.0005"}


def test_limit_stops_after_n_matching_papers(tmp_path):
    items = []
    for n in range(1, 11):
        items.append(kaggle(f"0704.{n:04d}", categories="hep-th"))
        items.append(kaggle(f"0705.{n:04d}", categories="cs.LG"))
    path = write(tmp_path / "snap.jsonl", items)
    out = StringIO()
    call_command(
        "import_snapshot", str(path), "--limit", "3", "--batch-size", "2", "--no-progress", stdout=out
    )
    assert ids() == {"0704.0001", "0704.0002", "0704.0003"}
    assert "3 papers stored" in out.getvalue()


def test_reimport_is_idempotent(tmp_path):
    path = write(
        tmp_path / "snap.jsonl.gz",
        [kaggle(f"0704.{n:04d}", categories="hep-th quant-ph") for n in range(1, 6)],
        gz=True,
    )
    first = snapshot_import(path, batch_size=2, progress=False)
    counts = (Paper.objects.count(), PaperVersion.objects.count(), PaperCategory.objects.count())
    second = snapshot_import(path, batch_size=2, progress=False)

    assert counts == (5, 10, 10)
    assert (Paper.objects.count(), PaperVersion.objects.count(), PaperCategory.objects.count()) == counts
    assert (first.papers_created, first.papers_updated) == (5, 0)
    assert (second.papers_created, second.papers_updated, second.params["counts"]["unchanged"]) == (0, 0, 5)
    assert HarvestRun.objects.filter(source="snapshot").count() == 2


def test_an_older_snapshot_record_does_not_erase_a_newer_stored_version(tmp_path):
    snapshot_import(write(tmp_path / "new.jsonl", [kaggle(title="Revised title")]), progress=False)
    older = kaggle(
        title="First title",
        **{"journal-ref": None},
        update_date="2007-04-02",
        versions=[{"version": "v1", "created": "Mon, 2 Apr 2007 19:18:42 GMT"}],
    )
    snapshot_import(write(tmp_path / "old.jsonl", [older]), progress=False)

    paper = Paper.objects.get()
    assert paper.title == "Revised title"
    assert paper.journal_ref == "Phys.Rev.D76:013009,2007"
    assert (paper.latest_version, paper.last_updated) == (2, date(2008, 11, 26))
    assert list(paper.versions.values_list("version", flat=True)) == [1, 2]


def test_unicode_and_latex_in_titles_are_kept_and_tex_accents_in_names_become_unicode(tmp_path):
    title = "Entanglement of $\\mathcal{N}=4$ SYM: Ørsted–Núñez \\\"{o} bounds, $\\alpha' \\to 0$ ∞ 量子"
    path = write(
        tmp_path / "snap.jsonl.gz",
        [kaggle(title=title, authors_parsed=[["Núñez", "Ana", ""], ['Schr\\"odinger', "E.", "Jr"]])],
        gz=True,
    )
    snapshot_import(path, progress=False)
    paper = Paper.objects.get()
    assert paper.title == title
    assert paper.authors == ["Ana Núñez", "E. Schrödinger Jr"]
    assert Paper.objects.filter(authors_text__contains="núñez").exists()


def test_old_style_and_versioned_ids_are_normalised(tmp_path):
    path = write(
        tmp_path / "snap.jsonl",
        [
            kaggle("hep-th/9901001", categories="hep-th"),
            kaggle("math.AG/0101001", categories="math.AG hep-th"),
            kaggle("quant-ph/9902002v3", categories="quant-ph"),
            kaggle("2401.01234", categories="gr-qc"),
        ],
    )
    snapshot_import(path, progress=False)
    assert ids() == {"hep-th/9901001", "math.AG/0101001", "quant-ph/9902002", "2401.01234"}


def test_a_truncated_gzip_fails_clearly_and_keeps_what_was_stored(tmp_path):
    data = gzip.compress(b"\n".join(json.dumps(kaggle(f"0704.{n:04d}")).encode() for n in range(1, 301)))
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(data[: len(data) * 3 // 4])
    run = snapshot_import(path, batch_size=10, progress=False)
    assert run.status == HarvestRun.Status.FAILED
    assert "could not read" in run.error
    assert 0 < Paper.objects.count() < 300
    with pytest.raises(CommandError, match="could not read"):
        call_command("import_snapshot", str(path), "--no-progress", stdout=StringIO())


def test_command_errors_are_clear_for_missing_empty_and_wholly_bad_files(tmp_path):
    with pytest.raises(CommandError, match="snapshot file not found: .*nowhere.jsonl"):
        call_command("import_snapshot", str(tmp_path / "nowhere.jsonl"))
    (tmp_path / "empty.jsonl").write_bytes(b"")
    with pytest.raises(CommandError, match="no records \\(empty file\\)"):
        call_command("import_snapshot", str(tmp_path / "empty.jsonl"), stdout=StringIO())
    bad = write(tmp_path / "bad.json", ["<html>", "not json", "[]"])
    with pytest.raises(CommandError, match="no valid records: all 3 lines are malformed"):
        call_command("import_snapshot", str(bad), stdout=StringIO())
    assert not Paper.objects.exists()
    assert HarvestRun.objects.filter(status=HarvestRun.Status.FAILED).count() == 2


def test_command_prints_a_one_line_summary(tmp_path):
    path = write(tmp_path / "snap.jsonl", [kaggle(), kaggle("0704.0002", categories="cs.LG"), "x"])
    out = StringIO()
    call_command("import_snapshot", str(path), stdout=out)  # with the progress bar, on stderr
    summary = out.getvalue().strip()
    assert "\n" not in summary
    assert "1 papers stored" in summary
    assert "1 created, 0 updated, 0 unchanged, 1 skipped (other categories), 1 malformed" in summary


def test_real_kaggle_head_file_imports_its_physics_papers(fixtures_dir):
    path = fixtures_dir / "kaggle-snapshot" / "arxiv-metadata-oai-snapshot.head.json"
    run = snapshot_import(path, progress=False)
    objs = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    physics = {o["id"] for o in objs if categories_match(o["categories"].split(), PHYSICS_ARCHIVES)}

    assert run.params["counts"]["malformed"] == 0
    assert ids() == physics
    assert run.params["counts"]["skipped"] == len(objs) - len(physics) > 0
    paper = Paper.objects.get(arxiv_id="0704.0001")
    assert paper.authors[0] == "C. Balázs"
    assert paper.latest_version == 2


@pytest.mark.slow
def test_shared_3k_sample_imports_completely_and_idempotently(shared_dir):
    path = shared_dir / "data" / "arxiv-physics-3k.jsonl"
    lines = sum(1 for line in path.open("rb") if line.strip())
    run = snapshot_import(path, progress=False)
    assert (run.status, run.papers_created, run.params["counts"]["malformed"]) == ("succeeded", lines, 0)
    again = snapshot_import(path, progress=False)
    assert (again.papers_created, again.papers_updated, Paper.objects.count()) == (0, 0, lines)
