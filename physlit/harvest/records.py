"""A source-independent paper record, and parsing helpers shared by the snapshot, OAI and API readers.

Stage: harvest. Input: raw fields of one source; output: PaperRecord with clean NFC text."""

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime

from physlit.text import author_normalize, normalize

_VERSION_SUFFIX = re.compile(r"v(\d+)$")
# New style 0704.0001 / 2401.01234, old style hep-th/9901001 (archive may carry a subject class).
# The archive's length is bounded so that every id fits Paper.arxiv_id (64).
_ARXIV_ID = re.compile(r"^(\d{4}\.\d{4,5}|[a-z][a-z\-]{0,31}(\.[A-Z]{2})?/\d{7})$")
# C0 control characters other than whitespace (which str.split handles): PostgreSQL refuses NUL in
# text, and none of them belongs in metadata.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1b]")


class RecordError(ValueError):
    """A record that cannot be stored (no id, malformed id, ...)."""


@dataclass
class VersionRecord:
    version: int
    submitted: datetime | None = None
    size: str = ""


@dataclass
class PaperRecord:
    """One paper as one source saw it; empty values mean "this source does not say"."""

    arxiv_id: str
    source: str
    title: str = ""
    abstract: str = ""
    authors: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    comments: str = ""
    journal_ref: str = ""
    doi: str = ""
    report_no: str = ""
    license: str = ""
    submitter: str = ""
    first_submitted: date | None = None
    last_updated: date | None = None
    versions: list[VersionRecord] = field(default_factory=list)

    @property
    def latest_version(self) -> int:
        return max((v.version for v in self.versions), default=0)


def split_arxiv_id(raw: str) -> tuple[str, int | None]:
    """'hep-th/9901001v2' -> ('hep-th/9901001', 2); 'oai:arXiv.org:2401.01234' -> ('2401.01234', None).

    Also accepts abs/pdf URLs. Raises RecordError for anything that is not an arXiv id.
    """
    text = (raw or "").strip()
    for prefix in ("oai:arXiv.org:", "arXiv:", "arxiv:"):
        if text.startswith(prefix):
            text = text[len(prefix) :]
    text = re.sub(r"^https?://(export\.)?arxiv\.org/(abs|pdf)/", "", text).removesuffix(".pdf")
    version = None
    match = _VERSION_SUFFIX.search(text)
    if match:
        version = int(match.group(1))
        text = text[: match.start()]
    if not _ARXIV_ID.match(text):
        raise RecordError(f"not an arXiv id: {raw!r}")
    return text, version


def clean_text(text: str | None) -> str:
    """Collapse arXiv's hard line wrapping and indentation into single spaces; drop control characters;
    Unicode NFC, so that a decomposed "Mu\u0308ller" is stored, searched and compared as "Müller".

    Every reader (snapshot, OAI, API) passes titles, abstracts, comments and author names through here."""
    return normalize(" ".join(_CONTROL.sub("", text or "").split()))


def parse_date(text: str | None) -> date | None:
    """'2007-04-02', '2007-04-02T19:18:42Z' or 'Mon, 2 Apr 2007 19:18:42 GMT' -> date."""
    moment = parse_datetime(text)
    return moment.date() if moment else None


def parse_datetime(text: str | None) -> datetime | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        if text[0].isdigit():
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        else:
            moment = parsedate_to_datetime(text)
    except (ValueError, TypeError, IndexError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def author_name(keyname: str, forenames: str = "", suffix: str = "") -> str:
    """('Hoehn', 'Philipp A', '') -> 'Philipp A Hoehn'; cleaned like clean_text with TeX accents as
    Unicode (`Bal\\'azs` -> Balázs, text.author_normalize), "" when blank."""
    return author_normalize(clean_text(" ".join((forenames, keyname, suffix))))


def split_authors(text: str) -> list[str]:
    """'A. One, B. Two (MIT, Caltech) and C. Three' -> ['A. One', 'B. Two (MIT, Caltech)', 'C. Three'].

    Splits on commas and ' and ' outside parentheses, where arXiv puts affiliations; each name is then
    normalised like author_name (TeX accents as Unicode).
    """
    text = clean_text(text)
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for chunk in re.split(r"(\(|\)|,|\band\b)", text):
        if chunk == "(":
            depth += 1
        elif chunk == ")":
            depth = max(depth - 1, 0)
        elif chunk in (",", "and") and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        current.append(chunk)
    parts.append("".join(current))
    return [name for name in (author_normalize(p) for p in parts) if name]
