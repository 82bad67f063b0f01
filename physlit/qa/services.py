"""Question answering (stage: qa): retrieve papers with the hybrid search, read their abstract sentences,
answer with the span and the verbatim sentence(s) it rests on, or abstain; conversations keep context.

Input: a question and optionally a conversation id. Output: an `Answer` (answer text, abstained,
citations (one per paper, with its verbatim abstract quotes), conversation id), stored as a Turn.
"""

from __future__ import annotations

import logging
import math
import re
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from physlit.corpus.selectors import papers_by_ids
from physlit.qa.compose import Citation, Passage, answer_compose
from physlit.qa.models import Conversation, Turn
from physlit.qa.text import (
    looks_like_follow_up,
    overlap,
    question_in_context,
    sentences,
    stems,
    years_in,
    years_named,
)
from physlit.registry.current import CurrentSlot
from physlit.search.service import papers_search, query_english
from physlit.text import span_whole_math

ABSTAIN_MESSAGE = "The indexed papers don't answer this. The closest papers are cited below."
MAX_CITATIONS = 3
# Ranking prior: logit points a sentence loses per place its paper is below the first in retrieval.
RANK_PRIOR = 1.0
# Sentences after the first are quoted when the reader gives them at least this probability.
SUPPORT_FLOOR = 0.05
RELOAD_CHECK_SECONDS = 5.0

log = logging.getLogger(__name__)


class QuestionError(ValueError):
    """A question that cannot be asked (empty, too long)."""


class ConversationNotFound(LookupError):
    pass


@dataclass
class Answer:
    answer: str
    abstained: bool
    citations: list[Citation] = field(default_factory=list)
    conversation_id: int | None = None
    conversation_key: str = ""  # the conversation's public id (URLs, the API)
    turn_id: int | None = None
    confidence: float = 0.0
    reader: str = ""
    search_query: str = ""
    short_answer: str = ""
    seconds: float = 0.0


@dataclass
class _Sentence:
    paper_id: int
    rank: int  # of its paper in retrieval, 0 first
    text: str
    lexical: float = 0.0
    title: str = ""
    position: int = 0
    count: int = 1


# --- which reader serves ------------------------------------------------------------------------------


def _reader_find() -> tuple[str, str] | None:
    """(folder, label) of the reader that should serve: PHYSLIT_READER if set, else the registry's current
    reader version; None for the lexical fallback."""
    if settings.PHYSLIT_READER:
        return str(settings.PHYSLIT_READER), f"reader {Path(settings.PHYSLIT_READER).name}"
    from physlit.registry.services import version_current

    version = version_current("reader")
    return (str(version.path), version.label) if version else None


def _reader_load(key: tuple[str, str]):
    """(Reader or None, label). A folder this code cannot read (an older format) is logged and served by
    the lexical fallback, as when there is no reader, rather than failing every question."""
    from physlit.ml.reader import ReaderFormatError, reader_load

    folder, label = key
    try:
        reader = reader_load(
            folder,
            span_backend=settings.PHYSLIT_READER_BACKEND,
            cache_dir=str(settings.PHYSLIT_MODELS_DIR / "onnx"),
            threads=settings.PHYSLIT_ENCODER_THREADS or None,
        )
        return reader, label
    except ReaderFormatError as exc:
        log.warning("reader not served, answering with the lexical fallback: %s", exc)
        return None, "lexical"


_reader_slot = CurrentSlot(_reader_find, _reader_load, check_seconds=RELOAD_CHECK_SECONDS)


def reader_current():
    """(Reader or None, label): the reader _reader_find names, else None (the lexical fallback). Rechecked
    every few seconds so a promotion reaches running workers."""
    _, loaded = _reader_slot.get()
    return loaded if loaded is not None else (None, "lexical")


def reader_encoder():
    """The encoder the reader embeds questions and sentences with, in training and serving alike: the current
    encoder run by the query backend (onnxruntime by default). `auto` may pick torch for batch embedding, and
    a web worker loads no torch."""
    from physlit.search.encoding import encoder_load, encoder_reference

    return encoder_load(encoder_reference(), settings.PHYSLIT_QUERY_ENCODER_BACKEND or None)


# --- the pipeline -------------------------------------------------------------------------------------


def _queries(question: str, previous: str | None) -> tuple[str, str]:
    """(retrieval query, reader question). A follow-up borrows the previous question's words."""
    if not previous or not looks_like_follow_up(question):
        return question, question
    combined = question_in_context(question, previous)
    return combined, combined


def _candidates(query: str, reader_question: str) -> tuple[list[_Sentence], dict]:
    hits = papers_search(query=query, k=settings.PHYSLIT_QA_PAPERS)
    papers = papers_by_ids([h.paper_id for h in hits])
    q_stems = stems(reader_question)
    found: list[_Sentence] = []
    for rank, hit in enumerate(hits):
        paper = papers.get(hit.paper_id)
        if paper is None:
            continue
        abstract = " ".join(paper.abstract.split())
        spans = sentences(abstract)
        for position, (start, end) in enumerate(spans):
            text = abstract[start:end]
            found.append(
                _Sentence(paper.pk, rank, text, overlap(q_stems, text), paper.title, position, len(spans))
            )
    # The reader reads the sentences sharing most words with the question, nearer papers first on ties;
    # a paper's best sentence is kept for each of the top three papers so a paraphrase still gets read.
    found.sort(key=lambda s: (-(s.lexical - 0.02 * s.rank), s.rank))
    keep = found[: settings.PHYSLIT_QA_SENTENCES]
    for rank in range(3):
        if not any(s.rank == rank for s in keep):
            best = next((s for s in found if s.rank == rank), None)
            if best is not None:
                keep.append(best)
    return keep, papers


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def _read(question: str, candidates: list[_Sentence]):
    """([(probability, span or None, sentence, span score or None)] best first, threshold, span threshold or
    None, reader label).

    Sentences are ranked by the reader's logit less RANK_PRIOR per place of their paper in retrieval (the
    reader sees one sentence at a time; the search has seen whole abstracts). Whether to answer at all
    depends on the reader's highest probability among the readings that may answer (_grounded) against its
    calibrated threshold, and on the answer-span model's confidence in the spans it would cite (_lead).
    """
    reader, label = reader_current()
    if reader is None:
        scored = [(s.lexical, None, s, None) for s in candidates]
        scored.sort(key=lambda x: (-x[0], x[2].rank))
        return scored, settings.PHYSLIT_QA_LEXICAL_THRESHOLD, None, label
    from physlit.ml.reader import Candidate

    readings = reader.read(
        question,
        [Candidate(s.text, s.title, s.position, s.count) for s in candidates],
        reader_encoder().encode,
    )
    scored = [(r.probability, r.span, s, r.span_score) for r, s in zip(readings, candidates)]
    scored.sort(key=lambda x: -(_logit(x[0]) - RANK_PRIOR * x[2].rank))
    return scored, reader.threshold, reader.span_threshold, label


def paper_grounds_years(paper, named: list[range]) -> bool:
    """Whether a paper can speak to every year a question names: each must be mentioned in its title,
    abstract, comments or journal reference, or be the year of its first or latest version."""
    years = years_in(" ".join((paper.title, paper.abstract, paper.comments, paper.journal_ref)))
    years |= {d.year for d in (paper.first_submitted, paper.last_updated) if d}
    return all(years.intersection(r) for r in named)


def _grounded(scored, question: str, papers: dict) -> list:
    """The readings that may answer. A question that names a year ("... measured in 2035?") is answered
    only from papers that mention that year or were written in it: another paper does not answer it, however
    close its words and however confident the reader."""
    named = years_named(question)
    if not named:
        return scored
    able = {pk for pk, paper in papers.items() if paper_grounds_years(paper, named)}
    return [x for x in scored if x[2].paper_id in able]


def _cited_first(scored) -> list:
    """The readings an abstention cites: each paper's best sentence, best papers first, MAX_CITATIONS."""
    cited, seen = [], set()
    for item in scored:
        if item[2].paper_id not in seen:
            seen.add(item[2].paper_id)
            cited.append(item)
        if len(cited) == MAX_CITATIONS:
            break
    return cited


def _lead(able, confidence: float, threshold: float, span_threshold: float | None) -> list | None:
    """The readings to answer from, lead first, or None to abstain. The reader answers when its best
    probability reaches its calibrated threshold; also when a sentence it would cite holds a span the
    answer-span model is confident in (a score only 5% of held-out unanswerable questions reach): a reply
    does not say "no answer" above a quote that answers. That sentence then leads."""
    if not able:
        return None
    if confidence >= threshold:
        return able
    if span_threshold is None:
        return None
    for item in _cited_first(able):
        if item[3] is not None and item[3] >= span_threshold and item[1]:
            return [item, *(x for x in able if x is not item)]
    return None


def _compose(scored, lead, threshold: float, papers: dict) -> tuple[str, str, bool, list[Citation]]:
    """(answer text, short answer, abstained, citations). `scored`: every reading, best first; `lead`: the
    readings to answer from, lead first (_lead), or None to abstain."""
    if not scored:
        return "The library has no papers to answer from yet.", "", True, []
    if lead is None:
        citations = []
        for score, _, s, _ in _cited_first(
            scored
        ):  # the closest papers, each with its most relevant sentence
            paper, quote = papers[s.paper_id], s.text
            citations.append(Citation(paper.arxiv_id, paper.title, quote, [quote], score=round(score, 4)))
        return ABSTAIN_MESSAGE, "", True, citations
    # The lead sentence, then the next best ones the reader gives some weight, each quoted and cited: the
    # reader's second choice often holds the answer when its first holds the question's words.
    chosen = [lead[0]]
    for item in lead[1:]:
        if len(chosen) == MAX_CITATIONS:
            break
        if item[0] >= SUPPORT_FLOOR and item[2].text != chosen[0][2].text:
            chosen.append(item)
    passages = []
    for place, (score, span, s, _) in enumerate(chosen):
        paper = papers[s.paper_id]
        passages.append(
            Passage(
                paper.arxiv_id,
                paper.title,
                s.text,
                _span_text(s.text, span),
                round(score, 4),
                # The lead sentence answers (the answer stands); another paper's value is listed beside it
                # only when the reader would answer from that sentence alone.
                confident=place == 0 or score >= threshold,
            )
        )
    text, short, citations = answer_compose(passages)
    return text, short, False, citations


def _span_text(sentence: str, span: tuple[int, int] | None) -> str:
    """The reader's answer span in `sentence`, widened to whole formulas (a cut one shows as TeX source)."""
    if not span:
        return ""
    start, end = span_whole_math(sentence, span[0], span[1])
    return sentence[start:end].strip(" ,;:.")


def question_clean(question: str) -> str:
    question = " ".join((question or "").split())
    if not question:
        raise QuestionError("the question is empty")
    if len(question) > settings.PHYSLIT_QA_MAX_CHARS:
        raise QuestionError(f"the question is longer than {settings.PHYSLIT_QA_MAX_CHARS} characters")
    return question


def answer_compute(question: str, previous_question: str | None = None) -> Answer:
    """Answer without storing anything (evaluation, benchmarks); `previous_question` gives context."""
    started = time.monotonic()
    # A question in Chinese is read as its English terms (search.service.query_english), by retrieval and
    # the reader alike.
    question = query_english(question_clean(question))
    previous_question = query_english(previous_question) if previous_question else previous_question
    query, reader_question = _queries(question, previous_question)
    candidates, papers = _candidates(query, reader_question)
    scored, threshold, span_threshold, label = _read(reader_question, candidates)
    able = _grounded(scored, reader_question, papers)
    confidence = max((x[0] for x in able), default=0.0)
    lead = _lead(able, confidence, threshold, span_threshold)
    text, short, abstained, citations = _compose(scored, lead, threshold, papers)
    return Answer(
        answer=text,
        abstained=abstained,
        citations=citations,
        confidence=confidence,
        reader=label,
        search_query=query,
        short_answer=short,
        seconds=time.monotonic() - started,
    )


def conversations_expire() -> int:
    """Delete conversations untouched for settings.PHYSLIT_CONVERSATION_DAYS; returns how many."""
    cutoff = timezone.now() - timedelta(days=settings.PHYSLIT_CONVERSATION_DAYS)
    deleted, _ = Conversation.objects.filter(updated_at__lt=cutoff).delete()
    return deleted


def conversations_trim(owner: str, keep: int) -> None:
    """Delete the owner's oldest conversations beyond the newest `keep`."""
    newest_first = Conversation.objects.filter(owner=owner).order_by("-updated_at", "-pk")
    Conversation.objects.filter(pk__in=list(newest_first.values_list("pk", flat=True)[keep:])).delete()


def conversations_of(owner: str, limit: int) -> list[Conversation]:
    """The owner's newest conversations; none for the empty owner (conversations from before owners)."""
    if not owner:
        return []
    return list(Conversation.objects.filter(owner=owner)[:limit])


# What conversation_key_new makes (secrets.token_urlsafe), within the column's 32 characters.
CONVERSATION_KEY = re.compile(r"[A-Za-z0-9_-]{1,32}")


def conversation_find(key: str, owner: str) -> Conversation:
    """The owner's conversation with this public key; ConversationNotFound for another's or none (the same
    answer, so that a key's existence is not revealed)."""
    conversation = None
    if owner and CONVERSATION_KEY.fullmatch(key):  # a malformed key (a lone surrogate...) never reaches SQL
        conversation = Conversation.objects.filter(key=key, owner=owner).first()
    if conversation is None:
        raise ConversationNotFound("no such conversation")
    return conversation


def question_answer(*, question: str, conversation_id: int | None = None, owner: str = "") -> Answer:
    """Answer `question` from the indexed papers, in a new conversation of `owner` or continuing
    `conversation_id` (a pk: callers look up a public key with conversation_find), and store the turn.

    A new conversation drops the owner's oldest beyond settings.PHYSLIT_CONVERSATIONS_PER_CLIENT and every
    expired one. Raises QuestionError for an empty or oversized question, ConversationNotFound for an
    unknown conversation, physlit.search.service.SearchUnavailable when no index exists yet.
    """
    question = question_clean(question)
    conversation, previous = None, None
    if conversation_id is not None:
        conversation = Conversation.objects.filter(pk=conversation_id).first()
        if conversation is None:
            raise ConversationNotFound(f"no conversation {conversation_id}")
        previous = conversation.turns.order_by("-created_at", "-pk").first()
    answer = answer_compute(question, previous.question if previous else None)
    with transaction.atomic():
        if conversation is None:
            # Storage stays bounded: a client's cap and the retention limit are applied on write.
            conversations_expire()
            conversations_trim(owner, max(settings.PHYSLIT_CONVERSATIONS_PER_CLIENT - 1, 0))
            conversation = Conversation.objects.create(title=question[:200], owner=owner)
        turn = Turn.objects.create(
            conversation=conversation,
            question=question,
            search_query=answer.search_query,
            answer=answer.answer,
            short_answer=answer.short_answer[:300],
            abstained=answer.abstained,
            citations=[{**c.as_dict(), "score": c.score} for c in answer.citations],
            confidence=answer.confidence,
            reader=answer.reader,
            seconds=answer.seconds,
        )
        conversation.save(update_fields=["updated_at"])
    answer.conversation_id, answer.turn_id = conversation.pk, turn.pk
    answer.conversation_key = conversation.key
    return answer


def qa_warm() -> bool:
    """Load the current reader now (a web worker's start, after search_warm); False without one."""
    reader, _ = reader_current()
    return reader is not None
