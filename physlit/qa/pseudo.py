"""Reader training data derived from the corpus itself: cloze-style pseudo-questions from abstract sentences.

Input: papers (id, title, abstract). Output: `Group`s — one pseudo-question with its candidate sentences
(the source sentence, labelled with the answer span, plus hard negatives) — and unanswerable groups (the
same question against other papers' most overlapping sentences only). Deterministic per paper (seeded by a
hash of the arXiv id), so a validation split by hash is the same on every run. Pure Python.

How a question is made: pick a sentence of 8-45 words; choose an answer span in it (a number with its
unit, an acronym or symbol-like term, a capitalised name, else a 1-3 content-word noun phrase after an
article/preposition); remove the span and turn the rest into a question ("What ...?", "Which ...?", or the
span replaced in place by "what"; half the time the question word names what is asked for, "Which
invariant", "What temperature", as people write), drop 10-55% of the remaining content words, and sometimes
lead with a few title words, as people name the topic before asking.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from physlit.ml.reader import span_candidates  # noqa: E402  (the reader's own span kinds)
from physlit.text import STOP_WORDS, content_stems, content_words, sentence_spans

_WH = {"number": ("What value", "How much", "What"), "term": ("Which", "What"), "phrase": ("What", "Which")}


@dataclass
class Candidate:
    text: str
    label: int  # 1: answers the question, 0: does not
    answer: tuple[int, int] | None = None  # character span of the answer in `text` when label is 1
    paper: str = ""  # arXiv id it comes from
    title: str = ""  # of that paper
    position: int = 0  # of the sentence in its abstract
    count: int = 1  # sentences in that abstract


@dataclass
class Group:
    question: str
    candidates: list[Candidate] = field(default_factory=list)
    answerable: bool = True
    paper: str = ""
    answer: str = ""


def paper_seed(arxiv_id: str, salt: str = "") -> int:
    return int.from_bytes(hashlib.sha256((salt + arxiv_id).encode()).digest()[:8], "big")


def is_validation(arxiv_id: str, percent: int = 10) -> bool:
    """The validation split: a fixed `percent` of papers by hash of their arXiv id."""
    return paper_seed(arxiv_id, "reader-split") % 100 < percent


def _spans(sentence: str) -> list[tuple[str, int, int]]:
    return [(k if k in ("number", "phrase") else "term", s, e) for k, s, e in span_candidates(sentence)]


# The noun a quantity is named by just before its value: "a temperature of 77 K", "H_0 = 73".
_QUANTITY_BEFORE = re.compile(
    r"([A-Za-z][\w\-]+)\s*(?:of|is|was|=|at|about|around|to|as|reaches|reached|approximately|~|\s)*$"
)


def _wh_phrase(kind: str, answer: str, before: str, rng: random.Random) -> str:
    """The question word(s) for an answer. Half the time they name what is asked for, as people write:
    the last word of a multi-word answer ("the Casson invariant" -> "Which invariant") or, for a number,
    the quantity named before it ("a temperature of 77 K" -> "What temperature")."""
    if rng.random() < 0.5:
        if kind == "number":
            m = _QUANTITY_BEFORE.search(before)
            if m and m.group(1).lower() not in STOP_WORDS and not m.group(1)[0].isdigit():
                return f"What {m.group(1)}"
        else:
            words = answer.split()
            last = words[-1].strip(".,;:()") if len(words) >= 2 else ""
            if last.isalpha() and last.islower() and last not in STOP_WORDS:
                return f"{rng.choice(('Which', 'What'))} {last}"
    return rng.choice(_WH[kind])


def question_make(
    sentence: str, title: str, rng: random.Random, topic: str = ""
) -> tuple[str, tuple[int, int]] | None:
    """A pseudo-question answered by a span of `sentence`: (question, (start, end)) or None. `topic` (the
    abstract's first sentence, or the title) lends the question its subject, as real questions name the
    system studied and then ask about one fact from another sentence."""
    spans = _spans(sentence)
    if not spans:
        return None
    typed = [s for s in spans if s[0] != "phrase"]
    kind, start, end = rng.choice(typed if typed and rng.random() < 0.7 else spans)
    # A term is answered with the nouns that complete it ("Killing-Yano tensors", not "Killing-Yano"), as
    # people answer; its shorter form stays a candidate the reader learns to pass over.
    end = max(e for k, s, e in spans if s == start and k == kind)
    before, after = sentence[:start].strip(), sentence[end:].strip().rstrip(".")
    if before[:1].isupper() and not before[1:2].isupper():  # "Thus, we ..." -> "... thus, we ..."
        before = before[0].lower() + before[1:]
    wh = _wh_phrase(kind, sentence[start:end], before, rng)
    if rng.random() < 0.5:  # in place: "... at a temperature of what?", not "... of what temperature?"
        body = f"{before} {'what' if kind == 'number' else wh.lower()} {after}"
    else:
        body = f"{wh} {before} {after}"
    # People reword: a varying share of the sentence's own words is dropped (20-70%), so that the reader
    # does not learn that a question repeats its sentence nearly whole.
    drop = rng.uniform(0.2, 0.7)
    tokens = body.split()
    asked = set(wh.lower().split())
    kept = [t for t in tokens if t.lower() in STOP_WORDS or t.lower() in asked or rng.random() > drop]
    question = " ".join(kept)
    source = topic if topic and rng.random() < 0.7 else title
    if source and rng.random() < 0.8:
        words = [w.strip(".,;:()") for w in source.split() if w.lower() not in STOP_WORDS]
        if words:
            begin = rng.randrange(max(1, len(words) - 2))
            lead = " ".join(words[begin : begin + rng.randint(2, 6)])
            question = (
                f"{rng.choice(('In', 'For', 'For', 'With'))} {lead}, {question[0].lower()}{question[1:]}"
            )
    question = re.sub(r"\s+([,;:])", r"\1", question).strip(" ,;:") + "?"
    if len(content_words(question)) < 3:
        return None
    return question[0].upper() + question[1:], (start, end)


@dataclass
class PaperText:
    arxiv_id: str
    title: str
    abstract: str


def _sentence_texts(paper: PaperText) -> list[str]:
    abstract = " ".join(paper.abstract.split())
    return [abstract[s:e] for s, e in sentence_spans(abstract)]


def groups_make(
    papers: Sequence[PaperText],
    *,
    per_paper: int = 2,
    negatives_same: int = 3,
    negatives_other: int = 3,
    pool: int = 40,
    only: Callable[[str], bool] | None = None,
) -> Iterable[Group]:
    """For each paper, up to `per_paper` answerable groups (source sentence + same-abstract and
    other-paper negatives) and, for half of them, an unanswerable group (other papers' most overlapping
    sentences). `only(arxiv_id)` limits the papers questions are made from; negatives come from all."""
    texts = [_sentence_texts(p) for p in papers]
    text_stems = [[set(content_stems(s)) for s in sents] for sents in texts]
    for index, paper in enumerate(papers):
        if only is not None and not only(paper.arxiv_id):
            continue
        rng = random.Random(paper_seed(paper.arxiv_id))
        own = texts[index]
        usable = [i for i, s in enumerate(own) if 8 <= len(s.split()) <= 45]
        if len(own) < 2 or not usable:
            continue
        # Other papers near this one in the list (the caller orders them, e.g. by category).
        others = [j for j in rng.sample(range(len(papers)), min(pool, len(papers))) if j != index]
        other_sents = [(j, k, st) for j in others for k, st in enumerate(text_stems[j])]

        def cand(j: int, k: int, label: int = 0, answer=None) -> Candidate:
            p = papers[j]
            return Candidate(texts[j][k], label, answer, p.arxiv_id, p.title, k, len(texts[j]))

        for position in rng.sample(usable, min(per_paper, len(usable))):
            topic = own[0] if position != 0 else ""
            made = question_make(own[position], paper.title, rng, topic)
            if made is None:
                continue
            question, span = made
            q_stems = set(content_stems(question))
            ranked = sorted(other_sents, key=lambda ps: -len(q_stems & ps[2]))
            hard_other = [cand(j, k) for j, k, _ in ranked[:negatives_other]]
            same = [i for i in range(len(own)) if i != position]
            same_neg = [cand(index, i) for i in rng.sample(same, min(negatives_same, len(same)))]
            answer = own[position][span[0] : span[1]]
            positive = cand(index, position, 1, span)
            yield Group(question, [positive, *same_neg, *hard_other], True, paper.arxiv_id, answer)
            unanswerable = [cand(j, k) for j, k, _ in ranked[: negatives_same + negatives_other + 2]]
            if unanswerable and rng.random() < 0.5:
                yield Group(question, unanswerable, False, paper.arxiv_id, answer)


# Off-topic questions for calibrating abstention (not the evaluation's unanswerable set).
OFF_TOPIC = [
    "What is a good recipe for sourdough bread?",
    "Who won the football world cup in 1998?",
    "How do I reset my router password?",
    "What is the capital of Australia?",
    "Which stocks should I buy this year?",
    "How long should I boil an egg?",
    "Who wrote the novel Pride and Prejudice?",
    "What are the opening hours of the British Museum?",
    "How many calories are in an apple?",
    "What is the best programming language for web design?",
    "When was the Eiffel Tower painted last?",
    "How do I train my dog to sit?",
    "What time zone is Tokyo in?",
    "Which wine goes with fish?",
    "How do I file my taxes online?",
    "Who is the lead singer of the band Queen?",
]
