"""The fake arXiv speaks arXiv's real formats: shapes checked against the recorded responses and the XSDs."""

import gzip
import json
import os
import re
import signal
import subprocess
import sys
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
from arxiv import _feed
from django.core.management import CommandError, call_command

from tests.support.fake_arxiv import FakeArxiv, generate_records, load_records

OAI = "{http://www.openarchives.org/OAI/2.0/}"
ATOM = "{http://www.w3.org/2005/Atom}"
OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def fake():
    records = generate_records(12, categories=["hep-th", "quant-ph"])
    with FakeArxiv(records, page_size=5) as server:
        yield server


def oai(fake, **params) -> ET.Element:
    response = requests.get(fake.oai_url, params=params, timeout=5)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/xml")
    return ET.fromstring(response.content)


def error_code(root: ET.Element) -> str | None:
    error = root.find(f"{OAI}error")
    return None if error is None else error.get("code")


def shape(elem: ET.Element) -> list[tuple[str, tuple[str, ...]]]:
    """Tags and attribute names in document order: what a client's parser relies on."""
    return [(e.tag, tuple(sorted(e.attrib))) for e in elem.iter()]


def test_oai_list_pages_with_resumption_tokens_shaped_like_arxivs(fake):
    hep_th = [
        r for r in fake.records() if "physics:hep-th" in {f"physics:{c}" for c in r["categories"].split()}
    ]
    root = oai(fake, verb="ListRecords", metadataPrefix="arXiv", set="physics:hep-th")

    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", root.find(f"{OAI}responseDate").text)
    request = root.find(f"{OAI}request")
    assert request.attrib == {"verb": "ListRecords", "metadataPrefix": "arXiv", "set": "physics:hep-th"}
    assert request.text == fake.oai_url
    records = root.findall(f"{OAI}ListRecords/{OAI}record")
    token = root.find(f"{OAI}ListRecords/{OAI}resumptionToken")
    assert len(records) == 5
    assert token.attrib == {"cursor": "0", "completeListSize": str(len(hep_th))}
    assert re.fullmatch(r"\d+\|5", token.text)
    header = records[0].find(f"{OAI}header")
    assert header.find(f"{OAI}identifier").text.startswith("oai:arXiv.org:")
    assert "physics:hep-th" in [s.text for s in header.findall(f"{OAI}setSpec")]
    assert records[0].find(f"{OAI}metadata/{{http://arxiv.org/OAI/arXiv/}}arXiv") is not None

    seen = len(records)
    while token is not None and token.text:
        root = oai(fake, verb="ListRecords", resumptionToken=token.text)
        seen += len(root.findall(f"{OAI}ListRecords/{OAI}record"))
        last_cursor = token.get("cursor")
        token = root.find(f"{OAI}ListRecords/{OAI}resumptionToken")
    assert seen == len(hep_th)
    assert token is not None and not token.text and int(token.get("cursor")) > int(last_cursor)


def test_oai_from_filters_by_datestamp_and_a_cross_list_is_listed_in_each_set(fake):
    [cross] = [r for r in fake.records() if r["categories"] in ("hep-th quant-ph", "quant-ph hep-th")][
        :1
    ] or [None]
    assert cross is not None
    for set_spec in ("physics:hep-th", "physics:quant-ph"):
        ids, params = [], {"verb": "ListIdentifiers", "metadataPrefix": "arXiv", "set": set_spec}
        while True:
            root = oai(fake, **params)
            ids += [h.find(f"{OAI}identifier").text for h in root.iter(f"{OAI}header")]
            token = root.find(f"{OAI}ListIdentifiers/{OAI}resumptionToken")
            if token is None or not token.text:
                break
            params = {"verb": "ListIdentifiers", "resumptionToken": token.text}
        assert f"oai:arXiv.org:{cross['id']}" in ids

    fake.new_version(cross["id"])
    root = oai(
        fake,
        verb="ListRecords",
        metadataPrefix="arXivRaw",
        set="physics:hep-th",
        **{"from": datetime.now(UTC).date().isoformat()},
    )
    [record] = root.findall(f"{OAI}ListRecords/{OAI}record")
    raw = record.find(f"{OAI}metadata/{{http://arxiv.org/OAI/arXivRaw/}}arXivRaw")
    assert raw.find("{http://arxiv.org/OAI/arXivRaw/}id").text == cross["id"]
    versions = raw.findall("{http://arxiv.org/OAI/arXivRaw/}version")
    assert [v.get("version") for v in versions][-1] == f"v{len(cross['versions']) + 1}"
    assert root.find(f"{OAI}ListRecords/{OAI}resumptionToken") is None  # a one-page list has none


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"verb": "Frobnicate"}, "badVerb"),
        ({}, "badVerb"),
        ({"verb": "ListRecords"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "arXiv", "from": "2024-1-1"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "arXiv", "colour": "blue"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "arXiv", "set": "physics:alchemy"}, "badArgument"),
        ({"verb": "ListRecords", "resumptionToken": "1|5", "set": "physics:hep-th"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_marc"}, "cannotDisseminateFormat"),
        ({"verb": "ListRecords", "metadataPrefix": "arXiv", "from": "2100-01-01"}, "noRecordsMatch"),
        ({"verb": "ListRecords", "resumptionToken": "999|5"}, "badResumptionToken"),
        (
            {"verb": "GetRecord", "metadataPrefix": "arXiv", "identifier": "oai:arXiv.org:0000.00000"},
            "idDoesNotExist",
        ),
    ],
)
def test_oai_errors_answer_like_arxiv(fake, params, code):
    root = oai(fake, **params)
    assert error_code(root) == code
    assert root.find(f"{OAI}error").text
    if code in ("badVerb", "badArgument"):
        assert root.find(f"{OAI}request").attrib == {}


def test_oai_tokens_stop_working_once_expired(fake):
    root = oai(fake, verb="ListRecords", metadataPrefix="arXiv")
    token = root.find(f"{OAI}ListRecords/{OAI}resumptionToken").text
    assert error_code(oai(fake, verb="ListRecords", resumptionToken=token)) is None
    fake.expire_tokens()
    assert error_code(oai(fake, verb="ListRecords", resumptionToken=token)) == "badResumptionToken"


def test_oai_identify_and_get_record(fake):
    identify = oai(fake, verb="Identify").find(f"{OAI}Identify")
    assert identify.find(f"{OAI}granularity").text == "YYYY-MM-DD"
    assert identify.find(f"{OAI}baseURL").text == fake.oai_url
    some = fake.records()[0]
    root = oai(fake, verb="GetRecord", metadataPrefix="arXiv", identifier=f"oai:arXiv.org:{some['id']}")
    assert root.find(f"{OAI}GetRecord/{OAI}record/{OAI}header/{OAI}identifier").text.endswith(some["id"])


def test_fake_responses_validate_against_arxivs_own_schemas(fake, fixtures_dir, tmp_path):
    etree = pytest.importorskip("lxml.etree")
    xsd = fixtures_dir / "oai-pmh"
    wrapper = tmp_path / "all.xsd"
    wrapper.write_text(
        '<schema xmlns="http://www.w3.org/2001/XMLSchema">'
        f'<import namespace="http://www.openarchives.org/OAI/2.0/" schemaLocation="{xsd / "OAI-PMH.xsd"}"/>'
        f'<import namespace="http://arxiv.org/OAI/arXiv/" schemaLocation="{xsd / "arXiv.xsd"}"/>'
        f'<import namespace="http://arxiv.org/OAI/arXivRaw/" schemaLocation="{xsd / "arXivRaw.xsd"}"/>'
        "</schema>"
    )
    schema = etree.XMLSchema(etree.parse(str(wrapper)))
    some = fake.records()
    fake.delete(some[1]["id"])
    fake.new_version(some[2]["id"])
    for params in (
        {"verb": "ListRecords", "metadataPrefix": "arXiv"},
        {"verb": "ListRecords", "metadataPrefix": "arXivRaw"},
        {"verb": "ListIdentifiers", "metadataPrefix": "arXiv", "set": "physics:quant-ph"},
        {"verb": "GetRecord", "metadataPrefix": "arXivRaw", "identifier": f"oai:arXiv.org:{some[0]['id']}"},
        {"verb": "Identify"},
        {"verb": "ListSets"},
        {"verb": "ListMetadataFormats"},
        {"verb": "ListRecords", "metadataPrefix": "arXiv", "from": "2100-01-01"},
        {"verb": "Nonsense"},
    ):
        document = etree.fromstring(requests.get(fake.oai_url, params=params, timeout=5).content)
        assert schema.validate(document), (params, schema.error_log)
    # and the schemas accept arXiv's own recorded responses, so the check means something
    for name in ("ListRecords-arXiv-physics-hep-th.xml", "ListRecords-arXivRaw-page1.xml"):
        assert schema.validate(etree.parse(str(xsd / name))), schema.error_log


def test_api_feed_pages_sorts_and_counts_like_arxiv(fake):
    params = {
        "search_query": "cat:hep-th",
        "sortBy": "submittedDate",
        "sortOrder": "descending",
        "start": "2",
        "max_results": "3",
    }
    response = requests.get(fake.api_url, params=params, timeout=5)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/atom+xml")
    feed = _feed.parse(response.content)
    hep_th = [r for r in fake.records() if "hep-th" in r["categories"].split()]
    assert (feed.header.total_results, feed.header.start_index, feed.header.items_per_page) == (
        len(hep_th),
        2,
        3,
    )
    assert len(feed.results) == 3
    dates = [r.published for r in feed.results]
    assert dates == sorted(dates, reverse=True)
    result = feed.results[0]
    assert re.fullmatch(r"https?://arxiv.org/abs/\d{4}\.\d{5}v\d+", result.entry_id)
    assert result.primary_category == result.categories[0]
    assert result.pdf_url and result.authors


def test_api_entries_have_the_shape_of_real_ones(fake, fixtures_dir):
    real = ET.fromstring(
        json.loads(
            (
                fixtures_dir / "arxiv-api" / "2026-04-12_9570db67_q_testing_s0_m10_df962dbeea2e.json"
            ).read_text()
        )["body"]
    )
    real_tags = {e.tag for entry in real.iter(f"{ATOM}entry") for e in entry.iter()}
    real_top = [e.tag for e in real if e.tag != f"{ATOM}entry"]
    record = generate_records(1)[0]
    record.update({"journal-ref": "Phys. Rev. D 1, 2 (2024)", "doi": "10.1/x", "comments": "5 pages"})
    fake.add([record])
    ours = ET.fromstring(requests.get(fake.api_url, params={"id_list": record["id"]}, timeout=5).content)
    assert [e.tag for e in ours if e.tag != f"{ATOM}entry"] == real_top
    assert {e.tag for e in ours.find(f"{ATOM}entry").iter()} == real_tags


def test_api_malformed_id_answers_arxivs_400_error_feed(fake, fixtures_dir):
    recorded = json.loads(
        (fixtures_dir / "arxiv-api" / "2026-05-17_eb5ed1e1_id_abc_s0_m100_b79c8dcf6bc3.json").read_text()
    )
    response = requests.get(
        fake.api_url,
        params={"search_query": "", "id_list": "abc", "start": "0", "max_results": "100"},
        timeout=5,
    )
    assert response.status_code == recorded["status_code"] == 400
    ours, real = ET.fromstring(response.content), ET.fromstring(recorded["body"])
    assert shape(ours) == shape(real)
    for path in (f"{ATOM}entry/{ATOM}id", f"{ATOM}entry/{ATOM}summary", f"{ATOM}entry/{ATOM}title"):
        assert ours.find(path).text == real.find(path).text


def test_api_unknown_id_answers_an_empty_feed(fake, fixtures_dir):
    recorded = json.loads(
        (
            fixtures_dir / "arxiv-api" / "2026-05-17_5fb7814d_id_0000.0000_s0_m100_8b51d9633a68.json"
        ).read_text()
    )
    response = requests.get(fake.api_url, params={"id_list": "0000.0000", "max_results": "100"}, timeout=5)
    ours, real = ET.fromstring(response.content), ET.fromstring(recorded["body"])
    assert response.status_code == 200
    assert shape(ours) == shape(real)
    assert ours.find(f"{OPENSEARCH}totalResults").text == "0"


def test_fault_injection_and_request_log(fake):
    fake.fail_next(2, status=503, retry_after=7, after=1)
    fake.drop_next(1)
    fake.malformed_next(1)
    fake.empty_next(1)
    get = {"verb": "ListRecords", "metadataPrefix": "arXiv"}

    assert requests.get(fake.oai_url, params=get, timeout=5).status_code == 200  # `after=1` lets one through
    for _ in range(2):
        busy = requests.get(fake.oai_url, params=get, timeout=5)
        assert (busy.status_code, busy.headers["Retry-After"]) == (503, "7")
    with pytest.raises(requests.ConnectionError):
        requests.get(fake.oai_url, params=get, timeout=5)
    with pytest.raises(ET.ParseError):
        ET.fromstring(requests.get(fake.oai_url, params=get, timeout=5).content)
    empty = ET.fromstring(
        requests.get(fake.api_url, params={"search_query": "cat:hep-th"}, timeout=5).content
    )
    assert empty.find(f"{ATOM}entry") is None and int(empty.find(f"{OPENSEARCH}totalResults").text) > 0
    assert requests.get(fake.oai_url, params=get, timeout=5).status_code == 200

    assert [r.fault for r in fake.requests] == ["", "status", "status", "drop", "malformed", "empty", ""]
    assert fake.requests[0].params == get and fake.requests[0].path == "/oai"
    times = [r.time for r in fake.requests]
    assert times == sorted(times)


def test_generated_records_are_realistic_and_deterministic():
    records = generate_records(30, seed=3)
    assert records == generate_records(30, seed=3)
    assert len({r["id"] for r in records}) == 30
    assert any("$" in r["title"] for r in records) and any("ö" in r["title"] for r in records)
    assert any(len(r["versions"]) > 1 for r in records) and any(" " in r["categories"] for r in records)
    assert set(records[0]) >= {
        "id",
        "submitter",
        "authors",
        "title",
        "comments",
        "journal-ref",
        "doi",
        "report-no",
        "categories",
        "license",
        "abstract",
        "versions",
        "update_date",
        "authors_parsed",
    }


def test_load_records_reads_plain_and_gzipped_jsonl(tmp_path):
    records = generate_records(4)
    text = "".join(json.dumps(r) + "\n" for r in records)
    (tmp_path / "a.jsonl").write_text(text)
    with gzip.open(tmp_path / "a.jsonl.gz", "wt") as handle:
        handle.write(text)
    assert load_records(tmp_path / "a.jsonl") == records == load_records(tmp_path / "a.jsonl.gz")


def test_fake_serves_the_shared_snapshot_sample(shared_dir):
    records = load_records(shared_dir / "data" / "arxiv-physics-3k.jsonl")
    expected = sum(1 for r in records if any(c.split(".")[0] == "hep-th" for c in r["categories"].split()))
    with FakeArxiv(records, page_size=500) as server:
        root = oai(server, verb="ListRecords", metadataPrefix="arXivRaw", set="physics:hep-th")
        token = root.find(f"{OAI}ListRecords/{OAI}resumptionToken")
        assert int(token.get("completeListSize")) == expected
        feed = _feed.parse(
            requests.get(server.api_url, params={"id_list": records[0]["id"]}, timeout=5).content
        )
        assert feed.results[0].title == " ".join(records[0]["title"].split())


def test_fake_arxiv_command_serves_until_interrupted():
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PHYSLIT_SHARED_DIR": "/nonexistent"}
    process = subprocess.Popen(
        [sys.executable, "manage.py", "fake_arxiv", "--port", "0", "--generate", "20", "--page-size", "7"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        banner = process.stdout.readline() + process.stdout.readline()
        oai_url = re.search(r"PHYSLIT_OAI_URL=(\S+)", banner).group(1)
        root = ET.fromstring(
            requests.get(
                oai_url, params={"verb": "ListRecords", "metadataPrefix": "arXiv"}, timeout=5
            ).content
        )
        assert root.find(f"{OAI}ListRecords/{OAI}resumptionToken").get("completeListSize") == "20"
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=10)
    assert process.returncode == 0


def test_fake_arxiv_command_without_the_test_suite_says_so(monkeypatch):
    monkeypatch.setitem(sys.modules, "tests.support.fake_arxiv", None)  # as in the Docker image
    with pytest.raises(CommandError, match="tests/support/fake_arxiv.py"):
        call_command("fake_arxiv", "--port", "0")
