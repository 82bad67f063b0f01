"""A local fake arXiv for tests and offline demos: OAI-PMH at /oai and the query API at /api/query.

Input: Kaggle-schema records (load_records(path) or generate_records(n)). Output: HTTP responses in
arXiv's real XML shapes (paging, `from`, OAI errors), plus fault injection and a request log for tests.
"""

import gzip
import hashlib
import itertools
import json
import logging
import random
import re
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit
from xml.sax.saxutils import escape, quoteattr

logger = logging.getLogger(__name__)

# Written out here rather than imported from physlit.harvest, so the fake checks the harvester's mapping.
PHYSICS_ARCHIVES = (
    "astro-ph",
    "cond-mat",
    "gr-qc",
    "hep-ex",
    "hep-lat",
    "hep-ph",
    "hep-th",
    "math-ph",
    "nlin",
    "nucl-ex",
    "nucl-th",
    "physics",
    "quant-ph",
)
OTHER_SETS = ("cs", "econ", "eess", "math", "q-bio", "q-fin", "stat")
FORMATS = ("arXiv", "arXivRaw")
OAI_ARGS = {"verb", "metadataPrefix", "set", "from", "until", "resumptionToken", "identifier"}
_ID = re.compile(r"^(\d{4}\.\d{4,5}|[a-z][a-z\-]*(\.[A-Z]{2})?/\d{7})(v\d+)?$")
_XML_INVALID = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

OAI_OPEN = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xsi:schemaLocation="http://www.openarchives.org/OAI/2.0/ http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd">\n'
)
ATOM_OPEN = (
    "<?xml version='1.0' encoding='UTF-8'?>\n"
    '<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" '
    'xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">\n'
)


def _x(text: object) -> str:
    return escape(_XML_INVALID.sub("", str(text)))


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _set_for(category: str) -> str:
    archive = category.split(".", 1)[0]
    return f"physics:{archive}" if archive in PHYSICS_ARCHIVES else archive


# --- records ------------------------------------------------------------------------------------


@dataclass
class FakePaper:
    """One paper in Kaggle snapshot schema, plus its OAI datestamp."""

    data: dict
    datestamp: date
    deleted: bool = False

    @property
    def arxiv_id(self) -> str:
        return self.data["id"]

    @property
    def categories(self) -> list[str]:
        return (self.data.get("categories") or "").split()

    @property
    def sets(self) -> list[str]:
        return list(dict.fromkeys(_set_for(c) for c in self.categories))

    @property
    def versions(self) -> list[tuple[int, datetime, dict]]:
        out = []
        for v in self.data.get("versions") or []:
            out.append((int(v["version"].lstrip("v")), parsedate_to_datetime(v["created"]), v))
        return sorted(out, key=lambda item: item[0]) or [(1, datetime(2000, 1, 1, tzinfo=UTC), {})]

    @property
    def published(self) -> datetime:
        return self.versions[0][1]

    @property
    def updated(self) -> datetime:
        return self.versions[-1][1]

    def authors_parsed(self) -> list[list[str]]:
        if self.data.get("authors_parsed"):
            return self.data["authors_parsed"]
        names = re.split(r",\s*|\s+and\s+", self.data.get("authors") or "")
        return [[n.split()[-1], " ".join(n.split()[:-1]), ""] for n in names if n.strip()]

    def author_names(self) -> list[str]:
        return [" ".join(p for p in (f, k, s) if p) for k, f, s, *_ in self.authors_parsed()]

    def matches(self, field_name: str, value: str) -> bool:
        value = value.strip('"').lower()
        if field_name == "cat":
            return any(c.lower() == value or c.split(".")[0].lower() == value for c in self.categories)
        if field_name == "id":
            return self.arxiv_id == value
        texts = {
            "ti": [self.data.get("title") or ""],
            "au": [self.data.get("authors") or ""],
            "abs": [self.data.get("abstract") or ""],
        }
        haystack = texts.get(field_name) or [t[0] for t in texts.values()]
        return any(value in t.lower() for t in haystack)


def load_records(path: str | Path) -> list[dict]:
    """Kaggle-schema records from a .jsonl or .jsonl.gz file."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


_TITLES = [
    "Entanglement entropy of $\\mathcal{N}=4$ super-Yang–Mills at strong coupling",
    "Schrödinger-cat states in a $SU(2)_k$ Chern–Simons theory",
    "Quantum Hall plateaux at $\\nu = 5/2$: a Monte-Carlo study",
    "Casimir energy with $\\zeta$-function regularisation & boundaries <at> $x=0$",
    "Holographic Rényi entropies and the $T\\bar{T}$ deformation",
    "Black-hole thermodynamics in Einstein–Gauss–Bonnet gravity with $\\Lambda<0$",
    "Topological order in the Kitaev honeycomb model at finite temperature",
    "Gravitational waves from first-order phase transitions: Ω_GW revisited",
    "Bose–Einstein condensates in optical lattices: Mott insulator–superfluid transition",
    "Dark-matter constraints from dwarf spheroidals with Fermi-LAT",
]
_TOPICS = [
    "the conformal bootstrap",
    "tensor networks",
    "AdS$_3$/CFT$_2$",
    "Wilson loops",
    "quantum error correction",
    "spin chains",
    "inflationary perturbations",
    "Hawking radiation",
]
_PEOPLE = [
    ("Núñez", "Ana"),
    ("Ødegaard", "Bjørn"),
    ("Müller", "Zoë"),
    ("Sørensen", "Kirsten"),
    ("Çelik", "Emre"),
    ("Dvořák", "Jiří"),
    ("Łukasik", "Paweł"),
    ("Smith", "John A."),
    ("Nakamura", "Hiroshi"),
    ("O'Brien", "Siobhán"),
    ("García-Pérez", "María José"),
    ("Wang", "Li"),
]
_GEN_CATEGORIES = ["hep-th", "quant-ph", "gr-qc", "cond-mat.str-el", "astro-ph.CO", "hep-ph"]


def generate_records(
    n: int,
    *,
    seed: int = 0,
    start: date = date(2024, 1, 1),
    categories: Iterable[str] = _GEN_CATEGORIES,
    id_offset: int = 0,
) -> list[dict]:
    """n realistic Kaggle-schema records (unicode/LaTeX titles, cross-lists, 1-3 versions), oldest first."""
    rng = random.Random(seed)
    categories = list(categories)
    out = []
    for i in range(n):
        submitted = datetime(start.year, start.month, start.day, 9, tzinfo=UTC) + timedelta(hours=13 * i)
        primary = categories[i % len(categories)]
        others = [c for c in categories if c != primary]
        cats = [primary] + ([rng.choice(others)] if others and rng.random() < 0.4 else [])
        people = rng.sample(_PEOPLE, rng.randint(1, 4))
        names = [f"{f} {k}" for k, f in people]
        versions, moment = [], submitted
        for v in range(1, rng.choice([1, 1, 2, 3]) + 1):
            versions.append(
                {
                    "version": f"v{v}",
                    "created": format_datetime(moment, usegmt=True),
                    "size": f"{rng.randint(50, 900)}kb",
                }
            )
            moment += timedelta(days=rng.randint(5, 60))
        title = f"{_TITLES[i % len(_TITLES)]} ({i + id_offset})"
        out.append(
            {
                "id": f"{submitted:%y%m}.{i + id_offset + 1:05d}",
                "submitter": names[0],
                "authors": ", ".join(names[:-1]) + (" and " if len(names) > 1 else "") + names[-1],
                "title": title,
                "comments": f"{rng.randint(4, 60)} pages, {rng.randint(0, 12)} figures",
                "journal-ref": f"Phys. Rev. D {rng.randint(90, 112)}, {rng.randint(1000, 9999)} (2024)"
                if rng.random() < 0.3
                else None,
                "doi": f"10.1103/PhysRevD.{rng.randint(90, 112)}.{rng.randint(1000, 9999)}"
                if rng.random() < 0.3
                else None,
                "report-no": None,
                "categories": " ".join(cats),
                "license": "http://creativecommons.org/licenses/by/4.0/",
                "abstract": f"We study {rng.choice(_TOPICS)} and {rng.choice(_TOPICS)}. "
                f"Using $\\alpha' \\to 0$ limits we find $S = \\frac{{A}}{{4G_N}}$ corrections "
                f"of order $e^{{-N}}$.",
                "versions": versions,
                "update_date": parsedate_to_datetime(versions[-1]["created"]).date().isoformat(),
                "authors_parsed": [[k, f, ""] for k, f in people],
            }
        )
    return out


# --- fault injection ----------------------------------------------------------------------------


@dataclass
class Fault:
    kind: str  # "status", "malformed", "empty", "drop", "oai_error"
    times: int
    after: int = 0
    status: int = 503
    retry_after: str | None = None
    code: str = ""
    message: str = ""


@dataclass
class FakeRequest:
    time: float  # time.monotonic() on arrival
    path: str
    params: dict[str, str]
    fault: str = ""  # the fault kind applied, if any


@dataclass
class _List:
    prefix: str
    ids: list[str]
    request: dict[str, str]
    headers_only: bool = False


@dataclass
class _Response:
    status: int
    body: bytes
    content_type: str = "text/xml; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


# --- the server ---------------------------------------------------------------------------------


class FakeArxiv:
    """A fake arXiv on 127.0.0.1. `with FakeArxiv(records) as fake:` then point settings at
    fake.oai_url / fake.api_url. Test hooks: fail_next, malformed_next, empty_next, drop_next,
    oai_error_next, add, new_version, delete, expire_tokens; fake.requests logs every request."""

    def __init__(
        self, records: Iterable[dict] = (), *, page_size: int = 100, host: str = "127.0.0.1", port: int = 0
    ):
        self.page_size = page_size
        self.host = host
        self.port = port
        self.requests: list[FakeRequest] = []
        self._papers: dict[str, FakePaper] = {}
        self._faults: list[Fault] = []
        self._lists: dict[str, _List] = {}
        self._serial = itertools.count(1403493)  # token numbers look like arXiv's
        self._lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.add(records)

    # lifecycle
    def start(self) -> "FakeArxiv":
        fake = self

        class Server(ThreadingHTTPServer):
            daemon_threads = True

        class Handler(_Handler):
            pass

        Handler.fake = fake
        self._server = Server((self.host, self.port), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-arxiv", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> "FakeArxiv":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def oai_url(self) -> str:
        return f"{self.url}/oai"

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/query"

    # data hooks
    def add(self, records: Iterable[dict], *, datestamp: date | None = None) -> None:
        """Add (or replace) Kaggle-schema records; datestamp defaults to each record's update_date."""
        with self._lock:
            for data in records:
                stamp = datestamp or date.fromisoformat(data.get("update_date") or "2000-01-01")
                self._papers[data["id"]] = FakePaper(data=dict(data), datestamp=stamp)

    def new_version(self, arxiv_id: str, *, when: datetime | None = None, **changes: str) -> int:
        """Announce a new version (datestamp = its date); `changes` replace fields, e.g. title="..."."""
        when = (when or datetime.now(UTC)).replace(microsecond=0)
        when = when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)
        with self._lock:
            paper = self._papers[arxiv_id]
            number = paper.versions[-1][0] + 1
            data = dict(paper.data, **changes)
            data["versions"] = [
                *(paper.data.get("versions") or []),
                {"version": f"v{number}", "created": format_datetime(when, usegmt=True)},
            ]
            data["update_date"] = when.date().isoformat()
            self._papers[arxiv_id] = FakePaper(data=data, datestamp=when.date())
            return number

    def delete(self, arxiv_id: str, *, when: date | None = None) -> None:
        with self._lock:
            paper = self._papers[arxiv_id]
            paper.deleted = True
            paper.datestamp = when or datetime.now(UTC).date()

    def records(self) -> list[dict]:
        """Copies of the records currently served (deleted ones left out)."""
        with self._lock:
            return [dict(p.data) for p in self._papers.values() if not p.deleted]

    def expire_tokens(self) -> None:
        """Every resumption token handed out so far answers badResumptionToken from now on."""
        with self._lock:
            self._lists.clear()

    # fault hooks: each applies to the `times` requests that come after the next `after` ones
    def fail_next(
        self, times: int = 1, *, status: int = 503, retry_after: float | None = None, after: int = 0
    ) -> None:
        ra = None if retry_after is None else f"{retry_after:g}"
        self._add_fault(Fault("status", times, after, status=status, retry_after=ra))

    def malformed_next(self, times: int = 1, *, after: int = 0) -> None:
        self._add_fault(Fault("malformed", times, after))

    def empty_next(self, times: int = 1, *, after: int = 0) -> None:
        self._add_fault(Fault("empty", times, after))

    def drop_next(self, times: int = 1, *, after: int = 0) -> None:
        self._add_fault(Fault("drop", times, after))

    def oai_error_next(self, code: str, message: str = "", *, times: int = 1, after: int = 0) -> None:
        self._add_fault(Fault("oai_error", times, after, code=code, message=message or f"fake {code}"))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def _add_fault(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def _take_fault(self) -> Fault | None:
        with self._lock:
            if not self._faults:
                return None
            fault = self._faults[0]
            if fault.after > 0:
                fault.after -= 1
                return None
            fault.times -= 1
            if fault.times <= 0:
                self._faults.pop(0)
            return fault

    # request handling (called from server threads)
    def handle(self, path: str, query: str) -> _Response | None:
        """The response for one GET, or None to drop the connection."""
        raw = parse_qs(query, keep_blank_values=True)
        params = {k: v[-1] for k, v in raw.items()}
        fault = self._take_fault()
        with self._lock:
            self.requests.append(FakeRequest(time.monotonic(), path, params, fault.kind if fault else ""))
        if fault and fault.kind == "drop":
            return None
        if fault and fault.kind == "status":
            headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
            body = (
                f"<html><body><h1>{fault.status}</h1><p>Retry after {fault.retry_after} s.</p></body></html>"
            )
            return _Response(fault.status, body.encode(), "text/html; charset=utf-8", headers)
        empty = bool(fault and fault.kind == "empty")
        with self._lock:
            if path.rstrip("/").endswith("/oai"):
                if fault and fault.kind == "oai_error":
                    response = self._oai_error(params, fault.code, fault.message, echo=True)
                else:
                    response = self._oai(raw, params, empty)
            elif path.rstrip("/").endswith("/api/query"):
                response = self._api(params, empty)
            else:
                response = _Response(404, b"not found", "text/plain")
        if fault and fault.kind == "malformed":
            response.body = response.body[: max(len(response.body) // 2, 10)]
        return response

    # OAI-PMH
    def _oai_envelope(self, params: dict[str, str], inner: str, *, echo: bool = True) -> bytes:
        attrs = "".join(f" {k}={quoteattr(v)}" for k, v in params.items()) if echo else ""
        text = (
            f"{OAI_OPEN}<responseDate>{_iso(datetime.now(UTC))}</responseDate>\n"
            f"<request{attrs}>{_x(self.oai_url)}</request>\n{inner}</OAI-PMH>\n"
        )
        return text.encode("utf-8")

    def _oai_error(self, params: dict[str, str], code: str, message: str, *, echo: bool) -> _Response:
        # The protocol says badVerb/badArgument echo no arguments.
        echo = echo and code not in ("badVerb", "badArgument")
        inner = f"<error code={quoteattr(code)}>{_x(message)}</error>\n"
        return _Response(200, self._oai_envelope(params, inner, echo=echo))

    def _oai(self, raw: dict[str, list[str]], params: dict[str, str], empty: bool) -> _Response:
        verb = params.get("verb", "")
        if any(len(v) > 1 for v in raw.values()):
            return self._oai_error(params, "badArgument", "Repeated argument", echo=False)
        if verb not in (
            "Identify",
            "ListRecords",
            "ListIdentifiers",
            "GetRecord",
            "ListSets",
            "ListMetadataFormats",
        ):
            return self._oai_error(params, "badVerb", "Illegal verb", echo=False)
        unknown = set(params) - OAI_ARGS
        if unknown:
            return self._oai_error(
                params, "badArgument", f"Illegal argument: {', '.join(sorted(unknown))}", echo=False
            )
        if verb == "Identify":
            return _Response(200, self._oai_envelope(params, self._identify()))
        if verb == "ListSets":
            sets = sorted({s for p in self._papers.values() for s in p.sets})
            inner = "".join(
                f"<set><setSpec>{_x(s)}</setSpec><setName>{_x(s)}</setName></set>\n" for s in sets
            )
            return _Response(200, self._oai_envelope(params, f"<ListSets>\n{inner}</ListSets>\n"))
        if verb == "ListMetadataFormats":
            inner = "".join(
                f"<metadataFormat><metadataPrefix>{f}</metadataPrefix>"
                f"<schema>http://arxiv.org/OAI/{f}.xsd</schema>"
                f"<metadataNamespace>http://arxiv.org/OAI/{f}/</metadataNamespace></metadataFormat>\n"
                for f in FORMATS
            )
            return _Response(
                200, self._oai_envelope(params, f"<ListMetadataFormats>\n{inner}</ListMetadataFormats>\n")
            )
        if verb == "GetRecord":
            return self._get_record(params)
        return self._list(params, headers_only=(verb == "ListIdentifiers"), empty=empty)

    def _identify(self) -> str:
        earliest = min((p.datestamp for p in self._papers.values()), default=date(2007, 5, 23))
        return (
            "<Identify>\n<repositoryName>arXiv (physlit fake)</repositoryName>\n"
            f"<baseURL>{_x(self.oai_url)}</baseURL>\n<protocolVersion>2.0</protocolVersion>\n"
            "<adminEmail>help@arxiv.org</adminEmail>\n"
            f"<earliestDatestamp>{earliest.isoformat()}</earliestDatestamp>\n"
            "<deletedRecord>persistent</deletedRecord>\n<granularity>YYYY-MM-DD</granularity>\n</Identify>\n"
        )

    def _get_record(self, params: dict[str, str]) -> _Response:
        prefix, identifier = params.get("metadataPrefix", ""), params.get("identifier", "")
        if not prefix or not identifier or set(params) - {"verb", "metadataPrefix", "identifier"}:
            return self._oai_error(
                params, "badArgument", "GetRecord needs identifier and metadataPrefix", echo=False
            )
        if prefix not in FORMATS:
            return self._oai_error(
                params, "cannotDisseminateFormat", f"Unknown metadata format {prefix}", echo=True
            )
        paper = self._papers.get(identifier.removeprefix("oai:arXiv.org:"))
        if paper is None:
            return self._oai_error(params, "idDoesNotExist", f"Unknown identifier {identifier}", echo=True)
        inner = f"<GetRecord>\n{self._record_xml(paper, prefix)}</GetRecord>\n"
        return _Response(200, self._oai_envelope(params, inner))

    def _list(self, params: dict[str, str], *, headers_only: bool, empty: bool) -> _Response:
        token = params.get("resumptionToken")
        if token is not None:
            if set(params) != {"verb", "resumptionToken"}:
                return self._oai_error(
                    params, "badArgument", "resumptionToken is an exclusive argument", echo=False
                )
            serial, _, offset_text = token.partition("|")
            listing = self._lists.get(serial)
            if listing is None or not offset_text.isdigit() or int(offset_text) > len(listing.ids):
                return self._oai_error(
                    params, "badResumptionToken", f"Invalid or expired token {token}", echo=True
                )
            offset = int(offset_text)
        else:
            prefix = params.get("metadataPrefix")
            if not prefix:
                return self._oai_error(params, "badArgument", "metadataPrefix is required", echo=False)
            bounds = {}
            for name in ("from", "until"):
                if name in params:
                    try:
                        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", params[name]):
                            raise ValueError
                        bounds[name] = date.fromisoformat(params[name])
                    except ValueError:
                        return self._oai_error(
                            params, "badArgument", f"Illegal {name} date {params[name]}", echo=False
                        )
            set_spec = params.get("set")
            if set_spec is not None and set_spec not in self._known_sets():
                return self._oai_error(
                    params, "badArgument", f"Invalid set specification {set_spec}", echo=False
                )
            if prefix not in FORMATS:
                return self._oai_error(
                    params, "cannotDisseminateFormat", f"Unknown metadata format {prefix}", echo=True
                )
            matching = sorted(
                (
                    p
                    for p in self._papers.values()
                    if (set_spec is None or set_spec in p.sets)
                    and ("from" not in bounds or p.datestamp >= bounds["from"])
                    and ("until" not in bounds or p.datestamp <= bounds["until"])
                ),
                key=lambda p: (p.datestamp, p.arxiv_id),
            )
            if not matching:
                return self._oai_error(params, "noRecordsMatch", "No records match", echo=True)
            serial = str(next(self._serial))
            listing = _List(prefix, [p.arxiv_id for p in matching], params, headers_only)
            self._lists[serial] = listing
            offset = 0
        ids = [] if empty else listing.ids[offset : offset + self.page_size]
        next_offset = offset + len(ids) if not empty else offset
        parts = []
        for arxiv_id in ids:
            paper = self._papers[arxiv_id]
            parts.append(
                self._header_xml(paper) if listing.headers_only else self._record_xml(paper, listing.prefix)
            )
        size = f' cursor="{offset}" completeListSize="{len(listing.ids)}"'
        if next_offset < len(listing.ids):
            parts.append(f"<resumptionToken{size}>{serial}|{next_offset}</resumptionToken>\n")
        elif offset > 0:
            parts.append(f"<resumptionToken{size}/>\n")  # the last page of a multi-page list
        tag = "ListIdentifiers" if listing.headers_only else "ListRecords"
        return _Response(200, self._oai_envelope(params, f"<{tag}>\n{''.join(parts)}</{tag}>\n"))

    def _known_sets(self) -> set[str]:
        return (
            {f"physics:{a}" for a in PHYSICS_ARCHIVES}
            | {"physics", *OTHER_SETS}
            | {s for p in self._papers.values() for s in p.sets}
        )

    def _header_xml(self, paper: FakePaper) -> str:
        status = ' status="deleted"' if paper.deleted else ""
        sets = "".join(f" <setSpec>{_x(s)}</setSpec>\n" for s in paper.sets)
        return (
            f"<header{status}>\n <identifier>oai:arXiv.org:{_x(paper.arxiv_id)}</identifier>\n"
            f" <datestamp>{paper.datestamp.isoformat()}</datestamp>\n{sets}</header>\n"
        )

    def _record_xml(self, paper: FakePaper, prefix: str) -> str:
        if paper.deleted:
            return f"<record>\n{self._header_xml(paper)}</record>\n"
        meta = self._arxiv_xml(paper) if prefix == "arXiv" else self._arxiv_raw_xml(paper)
        return f"<record>\n{self._header_xml(paper)}<metadata>\n{meta}\n</metadata>\n</record>\n"

    @staticmethod
    def _optional(paper: FakePaper, names: Iterable[str]) -> str:
        return "".join(f"<{n}>{_x(paper.data[n])}</{n}>" for n in names if paper.data.get(n))

    def _arxiv_xml(self, paper: FakePaper) -> str:
        d = paper.data
        versions = paper.versions
        updated = f"<updated>{versions[-1][1].date().isoformat()}</updated>" if len(versions) > 1 else ""
        authors = ""
        if paper.authors_parsed():
            authors = (
                "<authors>"
                + "".join(
                    "<author>"
                    + f"<keyname>{_x(k)}</keyname>"
                    + (f"<forenames>{_x(f)}</forenames>" if f else "")
                    + (f"<suffix>{_x(s)}</suffix>" if s else "")
                    + "</author>"
                    for k, f, s, *_ in paper.authors_parsed()
                )
                + "</authors>"
            )
        return (
            ' <arXiv xmlns="http://arxiv.org/OAI/arXiv/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            'xsi:schemaLocation="http://arxiv.org/OAI/arXiv/ http://arxiv.org/OAI/arXiv.xsd">\n'
            f" <id>{_x(d['id'])}</id><created>{versions[0][1].date().isoformat()}</created>{updated}{authors}"
            f"<title>{_x(d.get('title') or '')}</title>"
            f"<categories>{_x(d.get('categories') or '')}</categories>"
            + self._optional(paper, ("comments", "report-no", "journal-ref", "doi", "license"))
            + f"<abstract>{_x(d.get('abstract') or '')}</abstract></arXiv>"
        )

    def _arxiv_raw_xml(self, paper: FakePaper) -> str:
        d = paper.data
        versions = "".join(
            f'<version version="v{n}"><date>{format_datetime(when, usegmt=True)}</date>'
            + (f"<size>{_x(v['size'])}</size>" if v.get("size") else "")
            + "</version>"
            for n, when, v in paper.versions
        )
        authors = d.get("authors") or ", ".join(paper.author_names())
        return (
            ' <arXivRaw xmlns="http://arxiv.org/OAI/arXivRaw/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            'xsi:schemaLocation="http://arxiv.org/OAI/arXivRaw/ http://arxiv.org/OAI/arXivRaw.xsd">\n'
            f" <id>{_x(d['id'])}</id><submitter>{_x(d.get('submitter') or '')}</submitter>{versions}"
            f"<title>{_x(d.get('title') or '')}</title>"
            + (f"<authors>{_x(authors)}</authors>" if authors else "")
            + f"<categories>{_x(d.get('categories') or '')}</categories>"
            + self._optional(paper, ("comments", "report-no", "journal-ref", "doi", "license"))
            + f"<abstract>{_x(d.get('abstract') or '')}</abstract></arXivRaw>"
        )

    # query API
    def _api_error(self, message: str) -> _Response:
        now = _iso(datetime.now(UTC))
        anchor = "https://arxiv.org/api/errors#" + re.sub(r"\W+", "_", message)
        body = (
            f"{ATOM_OPEN}  <id>https://arxiv.org/</id>\n  <title>arXiv Search Results</title>\n"
            f"  <updated>{now}</updated>\n  <opensearch:itemsPerPage>1</opensearch:itemsPerPage>\n"
            "  <opensearch:totalResults>1</opensearch:totalResults>\n"
            "  <opensearch:startIndex>0</opensearch:startIndex>\n  <entry>\n"
            f"    <id>{_x(anchor)}</id>\n    <title>Error</title>\n    <updated>{now}</updated>\n"
            f'    <link href={quoteattr(anchor)} rel="alternate" type="text/html"/>\n'
            f"    <summary>{_x(message)}</summary>\n    <author>\n      <name>arXiv api core</name>\n"
            "    </author>\n  </entry>\n</feed>\n"
        )
        return _Response(400, body.encode("utf-8"), "application/atom+xml; charset=UTF-8")

    def _api(self, params: dict[str, str], empty: bool) -> _Response:
        query = params.get("search_query", "").strip()
        id_list = [i.strip() for i in params.get("id_list", "").split(",") if i.strip()]
        for name, default in (("start", "0"), ("max_results", "10")):
            if not params.get(name, default).isdigit():
                return self._api_error(f"{name} must be an integer")
        start, max_results = int(params.get("start", "0")), int(params.get("max_results", "10"))
        sort_by = params.get("sortBy", "relevance")
        sort_order = params.get("sortOrder", "descending")
        if sort_by not in ("relevance", "lastUpdatedDate", "submittedDate"):
            return self._api_error("sortBy must be in: relevance, lastUpdatedDate, submittedDate")
        if sort_order not in ("ascending", "descending"):
            return self._api_error("sortOrder must be in: ascending, descending")
        for arxiv_id in id_list:
            if not _ID.match(arxiv_id):
                return self._api_error(f"incorrect id format for {arxiv_id}")
        papers = [p for p in self._papers.values() if not p.deleted]
        if id_list:
            by_id = {p.arxiv_id: p for p in papers}
            papers = [by_id[i] for i in (re.sub(r"v\d+$", "", i) for i in id_list) if i in by_id]
        if query:
            # Enough of arXiv's syntax for harvesting: fielded terms (bare words: all:) joined by AND / OR.
            disjuncts = [
                [t.split(":", 1) if ":" in t else ["all", t] for t in re.split(r"\s+AND\s+", d.strip("() "))]
                for d in re.split(r"\s+OR\s+", query)
            ]
            papers = [p for p in papers if any(all(p.matches(f, v) for f, v in terms) for terms in disjuncts)]
        elif not id_list:
            papers = []
        if sort_by != "relevance":
            papers.sort(
                key=lambda p: (p.published if sort_by == "submittedDate" else p.updated, p.arxiv_id),
                reverse=(sort_order == "descending"),
            )
        page = [] if empty else papers[start : start + max_results]
        args = urlencode(
            {"search_query": query, "id_list": ",".join(id_list), "start": start, "max_results": max_results}
        )
        feed_id = hashlib.sha1(args.encode()).hexdigest()[:27]
        body = (
            f"{ATOM_OPEN}  <id>https://arxiv.org/api/{feed_id}</id>\n"
            f"  <title>arXiv Query: search_query={_x(query)}&amp;id_list={_x(','.join(id_list))}"
            f"&amp;start={start}&amp;max_results={max_results}</title>\n"
            f"  <updated>{_iso(datetime.now(UTC))}</updated>\n"
            f'  <link href={quoteattr(self.api_url + "?" + args)} type="application/atom+xml"/>\n'
            f"  <opensearch:itemsPerPage>{max_results}</opensearch:itemsPerPage>\n"
            f"  <opensearch:totalResults>{len(papers)}</opensearch:totalResults>\n"
            f"  <opensearch:startIndex>{start}</opensearch:startIndex>\n"
            + "".join(self._entry_xml(p) for p in page)
            + "</feed>\n"
        )
        return _Response(200, body.encode("utf-8"), "application/atom+xml; charset=UTF-8")

    def _entry_xml(self, paper: FakePaper) -> str:
        d = paper.data
        version = paper.versions[-1][0]
        abs_url = f"https://arxiv.org/abs/{paper.arxiv_id}v{version}"
        cats = paper.categories
        out = [
            "  <entry>\n",
            f"    <id>http://arxiv.org/abs/{_x(paper.arxiv_id)}v{version}</id>\n",
            f"    <title>{_x(d.get('title') or '')}</title>\n",
            f"    <updated>{_iso(paper.updated)}</updated>\n",
            f'    <link href="{_x(abs_url)}" rel="alternate" type="text/html"/>\n',
            f'    <link href="{_x(abs_url.replace("/abs/", "/pdf/"))}" rel="related" type="application/pdf" '
            'title="pdf"/>\n',
            f"    <summary>{_x(d.get('abstract') or '')}</summary>\n",
            *(f'    <category term={quoteattr(c)} scheme="http://arxiv.org/schemas/atom"/>\n' for c in cats),
            f"    <published>{_iso(paper.published)}</published>\n",
        ]
        if d.get("comments"):
            out.append(f"    <arxiv:comment>{_x(d['comments'])}</arxiv:comment>\n")
        if cats:
            out.append(f"    <arxiv:primary_category term={quoteattr(cats[0])}/>\n")
        if d.get("journal-ref"):
            out.append(f"    <arxiv:journal_ref>{_x(d['journal-ref'])}</arxiv:journal_ref>\n")
        out += [
            f"    <author>\n      <name>{_x(name)}</name>\n    </author>\n" for name in paper.author_names()
        ]
        if d.get("doi"):
            out.append(f"    <arxiv:doi>{_x(d['doi'])}</arxiv:doi>\n")
            out.append(
                f'    <link rel="related" href={quoteattr("https://doi.org/" + d["doi"])} title="doi"/>\n'
            )
        out.append("  </entry>\n")
        return "".join(out)


class _Handler(BaseHTTPRequestHandler):
    fake: FakeArxiv
    server_version = "Apache"
    sys_version = ""

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        parts = urlsplit(self.path)
        response = self.fake.handle(parts.path, parts.query)
        if response is None:
            self.close_connection = True  # the "dropped connection" fault: no response at all
            return
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(response.body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        logger.debug("fake arXiv: " + format, *args)
