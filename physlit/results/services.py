"""Reported results (stage: results). Input: papers' abstracts. Output: Result rows (quantity, value with
uncertainty, unit, kind, verbatim text) per paper, and the values of one quantity over time.

The extractor is the registry's current "tagger" version (a fine-tuned token tagger, physlit.ml.tagger; or
PHYSLIT_TAGGER) when there is one, else the hand-written patterns (physlit.results.patterns). A paper's
results are replaced whole, in one transaction, each time it is read again.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.conf import settings
from django.db import transaction

from physlit.corpus.models import Paper
from physlit.registry.current import CurrentSlot
from physlit.results.models import Extraction, Result
from physlit.results.patterns import (
    Found,
    bound_before,
    quantity_before,
    quantity_key,
    results_find,
    value_candidates,
    value_number,
)
from physlit.text.sentences import sentence_spans

BATCH = 256
_NUMBER = re.compile(
    r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|"
    r"hundred|thousand|million|billion|half|third|quarter|dozen|twice|double|triple|fourfold|threefold|"
    r"twofold|tenfold)\b",
    re.I,
)


# --- the extractor ------------------------------------------------------------------------------------------


def _find() -> tuple[str, int | None] | None:
    """(artifact folder, version id) of the tagger to extract with; None: the patterns."""
    if settings.PHYSLIT_TAGGER:
        return str(settings.PHYSLIT_TAGGER), None
    from physlit.registry.services import version_current

    current = version_current("tagger")
    return None if current is None else (current.path, current.pk)


def _load(key: tuple[str, int | None]):
    from physlit.ml.tagger import tagger_load

    return tagger_load(
        Path(key[0]),
        backend=settings.PHYSLIT_TAGGER_BACKEND,
        cache_dir=settings.PHYSLIT_MODELS_DIR / "onnx",
        threads=settings.PHYSLIT_ENCODER_THREADS or None,
    )


# Asked once per batch of papers, so the registry is read every time (one query): a worker re-reading the
# corpus right after a promotion must already use the new tagger.
_slot = CurrentSlot(_find, _load, check_seconds=0.0)


def found_from_spans(abstract: str, spans: Sequence[tuple[str, int, int]]) -> list[Found]:
    """Results from a tagger's labelled character spans ("value:<kind>", "quantity", "unit").

    The tagger says which numbers are results. Each value's extent is that of the number expression it falls
    in (patterns.value_candidates: uncertainties and powers of ten included, which a tagger trained on a few
    hundred abstracts cuts short); its unit is the expression's own (the unit lexicon reads "km s^{-1}
    Mpc^{-1}" whole), else the tagger's unit span right after it. The quantity is the nearest quantity span
    before it in its sentence (else the nearest after it), else the name the patterns read back from the
    value (patterns.quantity_before). The kind is the tagger's unless a relation sign right before the value
    says it is a bound (patterns.bound_before). A span without a digit or a number word is no value.
    `text` is the value's sentence."""
    sentences = sentence_spans(abstract) or [(0, len(abstract))]
    candidates = value_candidates(abstract)
    quantities = [(s, e) for label, s, e in spans if label == "quantity"]
    units = [(s, e) for label, s, e in spans if label == "unit"]
    found: list[Found] = []
    for label, start, end in spans:
        if not label.startswith("value:"):
            continue
        inside = [c for c in candidates if c[0] < end and start < c[1]]
        candidate_unit = ""
        if inside:
            start, end = min(c[0] for c in inside), max(c[1] for c in inside)
            candidate_unit = inside[-1][2]
        if found and found[-1].start < end and start < found[-1].end:
            continue  # two tagged pieces of one expression: one result
        if not _NUMBER.search(abstract[start:end]):
            continue  # a value is a number ("1.2", "10^6") or a number word ("two"), never a lone "/"
        s_start, s_end = next(((a, b) for a, b in sentences if a <= start < b), (0, len(abstract)))
        unit = candidate_unit or next((abstract[a:b] for a, b in units if end <= a <= end + 3), "")
        before = [(a, b) for a, b in quantities if s_start <= a and b <= start]
        after = [(a, b) for a, b in quantities if a >= end and b <= s_end]
        quantity = abstract[slice(*before[-1])] if before else abstract[slice(*after[0])] if after else ""
        if len(quantity) <= 3:  # none, or a bare symbol: the patterns read the name (and symbol) back
            quantity = quantity_before(abstract, start) or quantity
        value = abstract[start:end]
        number, error = value_number(value)
        found.append(
            Found(
                quantity=quantity,
                value=value,
                unit=unit,
                kind=bound_before(abstract, start) or label.split(":", 1)[1],
                text=abstract[s_start:s_end].strip(),
                start=start,
                end=end,
                number=number,
                error=error,
            )
        )
    return found


def abstract_hash(abstract: str) -> str:
    """What a hand-labelled paper's character offsets refer to (physlit/results/data/train-labels.jsonl)."""
    return hashlib.sha1(abstract.encode()).hexdigest()[:12]


def found_spans(abstract: str, found: Sequence[Found]) -> list[tuple[str, int, int]]:
    """The tagger's training spans of results: each value as "value:<kind>", its unit where it follows the
    value closely, its quantity where the abstract names it before the value in the same sentence."""
    spans: list[tuple[str, int, int]] = []
    for f in found:
        spans.append((f"value:{f.kind}", f.start, f.end))
        if f.unit:
            at = abstract.find(f.unit, f.end, f.end + 4 + len(f.unit))
            if at >= 0:
                spans.append(("unit", at, at + len(f.unit)))
        if f.quantity:
            sentence_start = max(abstract.rfind(". ", 0, f.start) + 2, 0)
            at = abstract.rfind(f.quantity, sentence_start, f.start)
            if at >= 0:
                spans.append(("quantity", at, at + len(f.quantity)))
    spans.sort(key=lambda span: span[1])
    kept: list[tuple[str, int, int]] = []
    for span in spans:  # overlapping spans (a quantity inside another's value) keep the first
        if not kept or span[1] >= kept[-1][2]:
            kept.append(span)
    return kept


@dataclass
class Extractor:
    method: str  # Extraction.Method
    version_id: int | None
    find: Callable[[Sequence[str]], list[list[Found]]]  # abstracts -> their results


def extractor_current() -> Extractor:
    """The tagger when one is current (or named by PHYSLIT_TAGGER), else the patterns."""
    key, tagger = _slot.get()
    if key is None or tagger is None:
        return Extractor("patterns", None, lambda texts: [results_find(t) for t in texts])

    def find(texts: Sequence[str]) -> list[list[Found]]:
        return [found_from_spans(t, spans) for t, spans in zip(texts, tagger.spans(texts))]

    return Extractor("tagger", key[1], find)


# --- extracting and storing ---------------------------------------------------------------------------------


def papers_unread(*, everything: bool = False) -> list[int]:
    """Ids of the papers with an abstract not yet read by the current extractor (all of them with
    `everything`), newest first so that a fresh corpus shows results where readers look first."""
    papers = Paper.objects.exclude(abstract="")
    if not everything:  # which extractor is current; no need to load the tagger for that
        key = _find()
        method, version_id = ("patterns", None) if key is None else ("tagger", key[1])
        papers = papers.exclude(extraction__method=method, extraction__version_id=version_id)
    return list(papers.order_by("-first_submitted", "-pk").values_list("pk", flat=True))


@dataclass
class ExtractReport:
    papers: int
    results: int
    seconds: float
    method: str

    def line(self) -> str:
        rate = self.papers / self.seconds if self.seconds else 0.0
        return (
            f"{self.results} results from {self.papers} papers in {self.seconds:.1f} s "
            f"({rate:.0f} papers/s, {self.method})"
        )


def _one_by_one(extractor: Extractor, papers: list[Paper], log: Callable[[str], None]) -> tuple[list, list]:
    """(papers read, their results), each paper read alone; a paper the extractor fails on is logged and
    left unread (no Extraction row), so it is tried again next time."""
    kept, found = [], []
    for paper in papers:
        try:
            found.append(extractor.find([paper.abstract])[0])
            kept.append(paper)
        except Exception as exc:
            log(f"[results] paper {paper.pk}: {type(exc).__name__}: {exc} (left unread)")
    return kept, found


def papers_results_extract(
    paper_ids: Sequence[int], *, log: Callable[[str], None] = print, batch: int = BATCH
) -> ExtractReport:
    """Read each paper's abstract with the current extractor and store its results (replacing the old
    ones); safe to run twice. Logs progress every batch."""
    extractor = extractor_current()
    started = time.monotonic()
    total = 0
    for offset in range(0, len(paper_ids), batch):
        chunk = list(paper_ids[offset : offset + batch])
        papers = list(Paper.objects.filter(pk__in=chunk).only("pk", "abstract"))
        try:
            found = extractor.find([p.abstract for p in papers])
        except Exception:  # one abstract the extractor cannot read must not stop the corpus: find it
            papers, found = _one_by_one(extractor, papers, log)
        rows = [
            Result(
                paper_id=paper.pk,
                quantity=f.quantity[:300],
                quantity_key=quantity_key(f.quantity)[:300],
                value=f.value[:300],
                unit=f.unit[:100],
                kind=f.kind,
                text=f.text,
                start=f.start,
                end=f.end,
                number=f.number,
                error=f.error,
            )
            for paper, results in zip(papers, found)
            for f in results
        ]
        with transaction.atomic():
            Result.objects.filter(paper_id__in=[p.pk for p in papers]).delete()
            Result.objects.bulk_create(rows)
            Extraction.objects.filter(paper_id__in=[p.pk for p in papers]).delete()
            Extraction.objects.bulk_create(
                Extraction(paper_id=p.pk, method=extractor.method, version_id=extractor.version_id)
                for p in papers
            )
        total += len(rows)
        done = min(offset + batch, len(paper_ids))
        elapsed = time.monotonic() - started
        if len(paper_ids) > batch:
            eta = elapsed / done * (len(paper_ids) - done)
            log(f"[results] {done}/{len(paper_ids)} papers, {total} results, ETA {eta:.0f} s")
    return ExtractReport(len(paper_ids), total, time.monotonic() - started, extractor.method)


# --- reading ------------------------------------------------------------------------------------------------


def paper_results(paper: Paper) -> list[dict]:
    """The API's "results" of a paper: quantity, value, unit, kind, text (the abstract's verbatim span)."""
    return [
        {"quantity": r.quantity, "value": r.value, "unit": r.unit, "kind": r.kind, "text": r.text}
        for r in paper.results.all()
    ]


# Words asking for values, not naming the quantity: "Hubble constant measurements" -> "Hubble constant".
_ASKING = re.compile(
    r"\b(?:measurements?|measured|values?|constraints?|bounds?|limits?|estimates?|determinations?|"
    r"results?|over time|history|of the|the)\b",
    re.I,
)
MIN_VALUES = 3  # a values-over-time table needs at least this many values to be worth offering


@dataclass
class QuantityValue:
    arxiv_id: str
    title: str
    published: date | None
    quantity: str
    value: str
    unit: str
    kind: str
    text: str
    number: float | None
    error: float | None


def _query_key(query: str) -> str:
    """The quantity key a query names: the whole query's key when stored results have it (a key itself, as
    the paper page links it: "age of the universe" keeps its "of the"), else the key of the query without
    its asking words."""
    whole = quantity_key(query)
    if whole and Result.objects.filter(quantity_key=whole).exists():
        return whole
    return quantity_key(_ASKING.sub(" ", query).strip())


def quantity_values(query: str, *, limit: int = 500) -> tuple[str, list[QuantityValue]]:
    """(quantity key, its values oldest first) for a query naming a quantity ("Hubble constant
    measurements", "H_0", "sigma_8 constraints"); ("", []) when no stored result names it."""
    key = _query_key(query)
    if not key:
        return "", []
    rows = (
        Result.objects.filter(quantity_key=key)
        .select_related("paper")
        .order_by("paper__first_submitted", "paper_id", "start")[:limit]
    )
    return key, [
        QuantityValue(
            arxiv_id=r.paper.arxiv_id,
            title=r.paper.title,
            published=r.paper.first_submitted,
            quantity=r.quantity,
            value=r.value,
            unit=r.unit,
            kind=r.kind,
            text=r.text,
            number=r.number,
            error=r.error,
        )
        for r in rows
    ]


def quantity_name(quantities: Iterable[str]) -> str:
    """The name to show for one quantity, from the names its papers give it: the words used most often
    ("Hubble constant" before "H_0", however often the symbol is written), else the most common symbol in
    $...$ for KaTeX; "" without one."""
    names = Counter(q.strip() for q in quantities if q.strip())
    if not names:
        return ""
    worded = [n for n, _ in names.most_common() if re.fullmatch(r"[A-Za-z][A-Za-z -]{3,}", n)]
    name = worded[0] if worded else names.most_common(1)[0][0]
    return f"${name}$" if re.search(r"[_^\\]", name) and "$" not in name else name


def quantity_offer(query: str) -> tuple[str, int] | None:
    """(the quantity's name, number of values) when the query names a quantity with at least MIN_VALUES
    stored values: the search page then offers its values-over-time table."""
    key = _query_key(query)
    if not key:
        return None
    names = list(Result.objects.filter(quantity_key=key).values_list("quantity", flat=True)[:1000])
    return (quantity_name(names) or key, len(names)) if len(names) >= MIN_VALUES else None
