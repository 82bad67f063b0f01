"""Summaries stage: papers (abstracts) in, one Summary row per paper out, made by the current summarizer
version (or the lead-sentence fallback when none is trained), each checked by the faithfulness guard."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q

from physlit.corpus.models import Paper
from physlit.registry.current import CurrentSlot
from physlit.registry.models import ModelVersion
from physlit.summaries.guard import unsupported
from physlit.summaries.models import Summary

logger = logging.getLogger(__name__)


def summarizer_encoder(info: dict | None = None):
    """The sentence encoder of a summarizer: the one its artifact names (`info`), else the configured one."""
    from physlit.ml.encoder import get_encoder

    info = info or {}
    model = info.get("model", settings.PHYSLIT_SUMMARIZER_ENCODER) or None
    return get_encoder(
        model=model,
        backend=info.get("backend") or settings.PHYSLIT_SUMMARIZER_BACKEND,
        cache_dir=settings.PHYSLIT_MODELS_DIR / "onnx",
        threads=settings.PHYSLIT_ENCODER_THREADS or None,
    )


def summarizer_scorer(folder):
    """A fine-tuned summarizer's clause scorer, served by PHYSLIT_SUMMARIZER_BACKEND (ONNX: no torch)."""
    from physlit.ml.summarizer import clause_scorer_load

    return clause_scorer_load(
        folder,
        backend=settings.PHYSLIT_SUMMARIZER_BACKEND,
        cache_dir=settings.PHYSLIT_MODELS_DIR / "onnx",
        threads=settings.PHYSLIT_ENCODER_THREADS or None,
    )


def _summarizer_load(path: str):
    from physlit.ml.summarizer import summarizer_load

    return summarizer_load(path, encoder_for=summarizer_encoder, scorer_for=summarizer_scorer)


def _current_find() -> tuple[int, str] | None:
    # The path too: artifact folders are unique, while a pk can come back (a test database rolled back).
    return (
        ModelVersion.objects.filter(kind=ModelVersion.Kind.SUMMARIZER, status=ModelVersion.Status.CURRENT)
        .values_list("pk", "path")
        .first()
    )


def _current_load(key: tuple[int, str]) -> tuple[object, ModelVersion]:
    version = ModelVersion.objects.get(pk=key[0])
    return _summarizer_load(version.path), version


# Checked on every call (one indexed query per batch of papers): `summarize --missing` right after a
# promotion must already see the new version; the artifact itself loads once per version.
_current = CurrentSlot(_current_find, _current_load, check_seconds=0.0)


def summarizer_for(version: ModelVersion | None):
    """The Summarizer of a version (the current one loaded once per process); the lead fallback for None."""
    from physlit.ml.summarizer import Summarizer

    if version is None:
        return Summarizer()
    key, loaded = _current.get()
    if loaded is not None and key == (version.pk, version.path):
        return loaded[0]
    return _summarizer_load(version.path)


def summarizer_current() -> tuple[object, ModelVersion | None]:
    """(the current summarizer, its version), or (the lead fallback, None) when none is trained."""
    from physlit.ml.summarizer import Summarizer

    _, loaded = _current.get()
    return loaded if loaded is not None else (Summarizer(), None)


@dataclass
class Guarded:
    text: str
    method: str
    rejected: bool
    problems: list[str]


def drafts_guard(summarizer, abstracts: list[str]) -> list[Guarded]:
    """Summaries of `abstracts` by `summarizer`; a draft naming anything the abstract does not (numbers,
    formulas, names) is replaced by the lead-sentence fallback and marked rejected."""
    from physlit.ml.summarizer import lead_summary

    out = []
    for abstract, draft in zip(abstracts, summarizer.summarize(abstracts), strict=True):
        if not abstract.strip():
            out.append(Guarded("", str(Summary.Method.NONE), False, []))
            continue
        problems = unsupported(draft.text, abstract)
        if problems:
            out.append(Guarded(lead_summary(abstract), str(Summary.Method.LEAD), True, problems))
        else:
            out.append(Guarded(draft.text, draft.method, False, []))
    return out


@dataclass
class SummarizeReport:
    papers: int = 0
    rejected: int = 0
    seconds: float = 0.0
    version: str = "lead sentence (no summarizer trained)"

    @property
    def rate(self) -> float:
        return self.papers / self.seconds if self.seconds > 0 else 0.0

    def line(self) -> str:
        return (
            f"{self.papers:,} papers summarized by {self.version} in {self.seconds:.1f} s "
            f"({self.rate:.1f} papers/s); guard rejected {self.rejected}"
        )


def papers_summarize(
    paper_ids: Iterable[int], *, log: Callable[[str], None] | None = None, batch: int | None = None
) -> SummarizeReport:
    """Summarize the given papers with the current summarizer and store the summaries (replacing older
    ones row by row, so the old summary shows until its new one is written). Safe to run twice."""
    ids = list(paper_ids)
    batch = batch or settings.PHYSLIT_SUMMARIZE_BATCH
    summarizer, version = summarizer_current()
    report = SummarizeReport(version=version.label if version else SummarizeReport.version)
    started = time.monotonic()
    for start in range(0, len(ids), batch):
        papers = list(Paper.objects.filter(pk__in=ids[start : start + batch]).only("id", "abstract"))
        guarded = drafts_guard(summarizer, [p.abstract for p in papers])
        rows = [
            Summary(
                paper_id=p.pk,
                text=g.text,
                version=version,
                method=g.method,
                guard_rejected=g.rejected,
            )
            for p, g in zip(papers, guarded, strict=True)
        ]
        for p, g in zip(papers, guarded, strict=True):
            if g.rejected:
                logger.info("guard rejected the summary of paper %s: %s", p.pk, g.problems)
        Summary.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["paper"],
            update_fields=["text", "version", "method", "guard_rejected", "updated_at"],
        )
        report.papers += len(rows)
        report.rejected += sum(g.rejected for g in guarded)
        report.seconds = time.monotonic() - started
        if log:
            left = (len(ids) - start - len(papers)) / report.rate if report.rate else 0
            log(
                f"summarized {report.papers:,}/{len(ids):,} papers, {report.rate:.1f}/s, "
                f"ETA {left / 60:.1f} min, {report.rejected} rejected by the guard"
            )
    report.seconds = time.monotonic() - started
    return report


def paper_summarize(*, paper_id: int) -> Summary:
    papers_summarize([paper_id])
    return Summary.objects.select_related("version").get(paper_id=paper_id)


def papers_pending(*, everything: bool = False) -> list[int]:
    """Ids of papers whose summary is missing or was made by another summarizer than the current one
    (all papers when `everything`), in id order."""
    papers = Paper.objects.order_by("pk")
    if everything:
        return list(papers.values_list("pk", flat=True))
    _, version = summarizer_current()
    if version is None:
        stale = Q(summary__isnull=True) | Q(summary__version__isnull=False)
    else:
        stale = Q(summary__isnull=True) | ~Q(summary__version=version) | Q(summary__version__isnull=True)
    return list(papers.filter(stale).values_list("pk", flat=True))


def summary_for(papers: Iterable[Paper]) -> dict[int, Summary]:
    """{paper pk: Summary} for the papers that have one, in one query (a page of results)."""
    ids = [p.pk for p in papers]
    if not ids:
        return {}
    summaries = list(Summary.objects.filter(paper_id__in=ids).select_related("version"))
    # One ModelVersion object per version, so that its label (a count query) is computed once a page.
    versions: dict[int, ModelVersion] = {}
    for summary in summaries:
        if summary.version_id is not None:
            summary.version = versions.setdefault(summary.version_id, summary.version)
    return {s.paper_id: s for s in summaries}


BRIEF_FIELDS = ("arxiv_id", "title", "authors", "categories", "first_submitted")


def papers_briefly(ids: Iterable[int]) -> dict[int, Paper]:
    """{pk: Paper} with only the fields a result list shows (BRIEF_FIELDS) and the summary's text joined in
    the same query (`summary_text(paper)`): one round trip for a page of search hits."""
    return Paper.objects.select_related("summary").only(*BRIEF_FIELDS, "summary__text").in_bulk(list(ids))


def summary_text(paper: Paper) -> str | None:
    """The paper's summary text, None until it is summarized."""
    summary = getattr(paper, "summary", None)  # a missing reverse one-to-one raises an AttributeError
    return (summary.text or None) if summary is not None else None
