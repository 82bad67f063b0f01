"""Harvest stage, OAI-PMH: ListRecords pages (arXiv or arXivRaw format) of each wanted set -> papers_upsert.

Inputs: wanted categories, optional `since`, a HarvestRun to count into. Outputs: Paper rows, and one
HarvestCursor per (set, format) saved in the same transaction as each page, so a killed run resumes.
"""

import logging
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import requests
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from django.conf import settings
from django.db import DatabaseError, transaction

from physlit.corpus.categories import PHYSICS_ARCHIVES, categories_match, category_archive
from physlit.corpus.models import HarvestCursor, HarvestRun
from physlit.harvest.errors import HarvestError
from physlit.harvest.http import MalformedResponse, http_get
from physlit.harvest.records import (
    PaperRecord,
    RecordError,
    VersionRecord,
    author_name,
    clean_text,
    parse_date,
    parse_datetime,
    split_arxiv_id,
    split_authors,
)
from physlit.harvest.upsert import papers_upsert

logger = logging.getLogger(__name__)

# metadataPrefix -> the `source` recorded on the fields it fills.
FORMATS = {"arXiv": "oai:arXiv", "arXivRaw": "oai:arXivRaw"}


@dataclass
class OaiRecord:
    identifier: str
    datestamp: str
    set_specs: list[str] = field(default_factory=list)
    deleted: bool = False
    paper: PaperRecord | None = None  # None for deleted or unreadable records


@dataclass
class OaiPage:
    response_date: datetime | None
    records: list[OaiRecord] = field(default_factory=list)
    resumption_token: str = ""  # empty: the list is complete
    complete_list_size: int | None = None
    error_code: str = ""  # e.g. "noRecordsMatch", "badResumptionToken"
    error_message: str = ""


def oai_set_for(category: str) -> str:
    """'hep-th' -> 'physics:hep-th'; 'cond-mat.str-el' -> 'physics:cond-mat'; 'math.MP' -> 'math'."""
    archive = category_archive(category)
    return f"physics:{archive}" if archive in PHYSICS_ARCHIVES else archive


# --- parsing ------------------------------------------------------------------------------------


def _local(tag: object) -> str:
    # Local names: arXiv's GetRecord sample puts <arXiv> in the OAI namespace, ListRecords in its own.
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _child(elem: ET.Element | None, name: str) -> ET.Element | None:
    if elem is None:
        return None
    return next((c for c in elem if _local(c.tag) == name), None)


def _children(elem: ET.Element | None, name: str) -> list[ET.Element]:
    return [] if elem is None else [c for c in elem if _local(c.tag) == name]


def _text(elem: ET.Element | None, name: str) -> str:
    found = _child(elem, name)
    return clean_text("".join(found.itertext())) if found is not None else ""


def _paper_arxiv(meta: ET.Element) -> PaperRecord:
    arxiv_id, _ = split_arxiv_id(_text(meta, "id"))
    created = _text(meta, "created")
    authors = [
        author_name(_text(a, "keyname"), _text(a, "forenames"), _text(a, "suffix"))
        for a in _children(_child(meta, "authors"), "author")
    ]
    # This format has no version history: only v1's date (created) and the latest's (updated).
    first = parse_date(created)
    return PaperRecord(
        arxiv_id=arxiv_id,
        source=FORMATS["arXiv"],
        title=_text(meta, "title"),
        abstract=_text(meta, "abstract"),
        authors=[a for a in authors if a],
        categories=_text(meta, "categories").split(),
        comments=_text(meta, "comments"),
        journal_ref=_text(meta, "journal-ref"),
        doi=_text(meta, "doi"),
        report_no=_text(meta, "report-no"),
        license=_text(meta, "license"),
        first_submitted=first,
        last_updated=parse_date(_text(meta, "updated")) or first,
        versions=[VersionRecord(1, parse_datetime(created))] if created else [],
    )


def _paper_arxiv_raw(meta: ET.Element) -> PaperRecord:
    arxiv_id, _ = split_arxiv_id(_text(meta, "id"))
    versions = []
    for v in _children(meta, "version"):
        label = (v.get("version") or "").strip()
        if label[:1] == "v" and label[1:].isdigit():
            versions.append(VersionRecord(int(label[1:]), parse_datetime(_text(v, "date")), _text(v, "size")))
    versions.sort(key=lambda v: v.version)
    dates = [v.submitted.date() for v in versions if v.submitted]
    return PaperRecord(
        arxiv_id=arxiv_id,
        source=FORMATS["arXivRaw"],
        title=_text(meta, "title"),
        abstract=_text(meta, "abstract"),
        authors=split_authors(_text(meta, "authors")),
        categories=_text(meta, "categories").split(),
        comments=_text(meta, "comments"),
        journal_ref=_text(meta, "journal-ref"),
        doi=_text(meta, "doi"),
        report_no=_text(meta, "report-no"),
        license=_text(meta, "license"),
        submitter=_text(meta, "submitter"),
        first_submitted=dates[0] if dates else None,
        last_updated=dates[-1] if dates else None,
        versions=versions,
    )


_PARSERS = {"arXiv": _paper_arxiv, "arXivRaw": _paper_arxiv_raw}


def _record(elem: ET.Element) -> OaiRecord:
    header = _child(elem, "header")
    record = OaiRecord(
        identifier=_text(header, "identifier"),
        datestamp=_text(header, "datestamp"),
        set_specs=[clean_text(s.text) for s in _children(header, "setSpec")],
        deleted=header is not None and header.get("status") == "deleted",
    )
    metadata = _child(elem, "metadata")
    if record.deleted or metadata is None or len(metadata) == 0:
        return record
    parser = _PARSERS.get(_local(metadata[0].tag))
    if parser is None:
        logger.warning("OAI record %s: unsupported metadata <%s>", record.identifier, metadata[0].tag)
        return record
    try:
        record.paper = parser(metadata[0])
    except RecordError as exc:
        logger.warning("OAI record %s skipped: %s", record.identifier, exc)
    return record


def oai_page_parse(content: bytes) -> OaiPage:
    """Parse one OAI-PMH response (ListRecords or GetRecord, arXiv or arXivRaw, or an error).

    Raises MalformedResponse for a body that is not a readable OAI-PMH document.
    """
    try:
        root = fromstring(content)
    except (ET.ParseError, DefusedXmlException) as exc:
        raise MalformedResponse(f"unreadable XML ({exc})") from exc
    response_date = parse_datetime(_text(root, "responseDate"))
    if _local(root.tag) != "OAI-PMH" or response_date is None:
        raise MalformedResponse("not an OAI-PMH response")
    page = OaiPage(response_date=response_date)
    error = _child(root, "error")
    if error is not None:
        page.error_code = error.get("code", "")
        page.error_message = clean_text("".join(error.itertext()))
        return page
    container = next((c for c in root if _local(c.tag) in ("ListRecords", "GetRecord")), None)
    page.records = [_record(r) for r in _children(container, "record")]
    token = _child(container, "resumptionToken")
    if token is not None:
        page.resumption_token = (token.text or "").strip()
        size = token.get("completeListSize")
        page.complete_list_size = int(size) if size and size.isdigit() else None
    return page


def _parse_response(response: requests.Response) -> OaiPage:
    if response.status_code != 200:
        raise HarvestError(
            f"OAI-PMH server at {response.url.split('?')[0]} answered HTTP {response.status_code}"
        )
    return oai_page_parse(response.content)


# --- harvesting ---------------------------------------------------------------------------------


def _cursor_lock(cursor: HarvestCursor) -> None:
    """Lock the cursor's row until the transaction ends, and check that no one else moved it since this
    run last read or saved it: two runs of one set would share its cursor and arXiv's one connection.
    Raises HarvestError; on SQLite, which has no row locks, only the check guards."""
    try:
        stored = HarvestCursor.objects.select_for_update(nowait=True).get(pk=cursor.pk)
    except DatabaseError as exc:  # the lock is held by another run's page
        raise HarvestError(f"another harvest of {cursor.set_spec} is running") from exc
    if stored.updated_at != cursor.updated_at:
        raise HarvestError(
            f"another harvest of {cursor.set_spec} is running (its cursor moved under this one)"
        )


class _OaiHarvest:
    def __init__(
        self,
        *,
        run: HarvestRun,
        categories: list[str],
        since: date | None,
        max_records: int | None,
        metadata_prefix: str,
    ):
        self.run = run
        self.wanted = categories
        self.since = since
        self.remaining = max_records
        self.prefix = metadata_prefix
        self.url = settings.PHYSLIT_OAI_URL
        self.started = time.monotonic()

    def harvest(self) -> None:
        for set_spec in dict.fromkeys(oai_set_for(c) for c in self.wanted):
            if self.remaining == 0:
                break
            self.harvest_set(set_spec)

    def harvest_set(self, set_spec: str) -> None:
        cursor, _ = HarvestCursor.objects.get_or_create(
            source="oai", set_spec=set_spec, metadata_prefix=self.prefix
        )
        with transaction.atomic():
            _cursor_lock(cursor)  # refuse before the first request if another run holds this set
        # The responseDate of the list's first page: the list shows the records as they were then, so
        # the next list starts there. A list resumed from a stored token started in an earlier run, on
        # a date the cursor has no column for (see _save_page).
        list_date: datetime | None = None
        if cursor.resumption_token and (self.since is None or self.since == cursor.list_from_date):
            list_from = cursor.list_from_date
            params = {"verb": "ListRecords", "resumptionToken": cursor.resumption_token}
            resumed = True
            logger.info("OAI %s (%s): resuming an unfinished list", set_spec, self.prefix)
        else:
            list_from = self.since or cursor.from_date
            params = self._list_params(set_spec, list_from)
            resumed = False
            logger.info(
                "OAI %s (%s): listing records from %s", set_spec, self.prefix, list_from or "the start"
            )
        restarted = False
        while True:
            page = http_get(self.url, _parse_response, params=params)
            if page.error_code == "badResumptionToken" and "resumptionToken" in params and not restarted:
                # Tokens expire; the list's `from` is kept for this: start it again (upserts are idempotent).
                logger.warning(
                    "OAI %s: resumption token expired; restarting the list from %s", set_spec, list_from
                )
                restarted, resumed = True, False
                params = self._list_params(set_spec, list_from)
                continue
            if not resumed and list_date is None:
                list_date = page.response_date
            if page.error_code == "noRecordsMatch":
                self._save_page(cursor, page, [], 0, list_from, list_date, complete=True)
                logger.info("OAI %s: nothing new", set_spec)
                return
            if page.error_code:
                raise HarvestError(
                    f"OAI-PMH error {page.error_code} for set {set_spec}: {page.error_message}"
                )
            kept, skipped, cut = self._select(page)
            self._save_page(
                cursor,
                page,
                kept,
                skipped,
                list_from,
                list_date,
                complete=not page.resumption_token,
                cursor_moves=not cut,
            )
            if cut or self.remaining == 0 or not page.resumption_token:
                return
            params = {"verb": "ListRecords", "resumptionToken": page.resumption_token}

    def _list_params(self, set_spec: str, list_from: date | None) -> dict[str, str]:
        params = {"verb": "ListRecords", "metadataPrefix": self.prefix, "set": set_spec}
        if list_from:
            params["from"] = list_from.isoformat()
        return params

    def _select(self, page: OaiPage) -> tuple[list[PaperRecord], int, bool]:
        """The page's wanted records, the number skipped, and whether max_records cut the page short."""
        kept: list[PaperRecord] = []
        skipped = 0
        for record in page.records:
            if self.remaining is not None and len(kept) >= self.remaining:
                return kept, skipped, True
            if record.paper is None or not categories_match(record.paper.categories, self.wanted):
                skipped += 1
            else:
                kept.append(record.paper)
        return kept, skipped, False

    def _save_page(
        self,
        cursor: HarvestCursor,
        page: OaiPage,
        kept: list[PaperRecord],
        skipped: int,
        list_from: date | None,
        list_date: datetime | None,
        *,
        complete: bool,
        cursor_moves: bool = True,
    ) -> None:
        # Papers and cursor commit together: a run killed anywhere restarts exactly after the last saved page.
        with transaction.atomic():
            _cursor_lock(cursor)
            result = papers_upsert(kept)
            if cursor_moves:
                if complete:
                    # A list that started after from_date (an explicit later `since`) leaves the records in
                    # between unfetched: from_date stays for the next run to fetch them.
                    if cursor.from_date is None or list_from is None or list_from <= cursor.from_date:
                        if list_date is None and page.response_date:
                            # A list resumed from an earlier run's token: its first page's date has no
                            # column to live in. A day before the last page stands in (exact for lists
                            # finished within a day); fetching a day twice costs only time.
                            list_date = page.response_date - timedelta(days=1)
                        if list_date:
                            cursor.from_date = list_date.date()
                    cursor.resumption_token = ""
                    cursor.list_from_date = None
                else:
                    cursor.resumption_token = page.resumption_token
                    cursor.list_from_date = list_from
                cursor.save()
            # A page cut short by max_records leaves the cursor before it: the next run fetches it again.
            run = self.run
            run.pages += 1
            run.records_seen += len(kept) + skipped
            run.records_skipped += skipped
            run.papers_created += result.created
            run.papers_updated += result.updated
            run.save(
                update_fields=["pages", "records_seen", "records_skipped", "papers_created", "papers_updated"]
            )
        if self.remaining is not None:
            self.remaining -= len(kept)
        elapsed = max(time.monotonic() - self.started, 1e-6)
        logger.info(
            "OAI %s page %d: %d records, %d kept (%d new, %d updated); %d seen in total, %.1f records/s%s",
            cursor.set_spec,
            run.pages,
            len(kept) + skipped,
            len(kept),
            result.created,
            result.updated,
            run.records_seen,
            run.records_seen / elapsed,
            f"; list size {page.complete_list_size}" if page.complete_list_size else "",
        )


def oai_harvest(
    *,
    run: HarvestRun,
    categories: list[str],
    since: date | None = None,
    max_records: int | None = None,
    metadata_prefix: str = "arXiv",
) -> None:
    """Harvest every set the wanted categories live in, page by page, counting into `run`."""
    if metadata_prefix not in FORMATS:
        raise HarvestError(
            f"unsupported OAI-PMH format {metadata_prefix!r} (use one of {', '.join(FORMATS)})"
        )
    _OaiHarvest(
        run=run, categories=categories, since=since, max_records=max_records, metadata_prefix=metadata_prefix
    ).harvest()
