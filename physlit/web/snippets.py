"""Result snippets: the abstract sentence that best matches the query, with matching words marked.

Returns plain-text segments (text, highlighted) so templates keep autoescaping; never marks inside TeX math,
where a <mark> would stop KaTeX from rendering the formula.
"""

import re
from functools import lru_cache

_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z$\\(])")
_MATH = re.compile(r"\$\$.+?\$\$|\$[^$]+\$|\\\(.+?\\\)|\\\[.+?\\\]", re.S)
_WORD = re.compile(r"[^\W_]{3,}", re.U)
STOP = frozenset(
    "the and for with from that this are was were what which how does into its their our can has have not "
    "but who whom why when where than then them they these those there been being also such over under "
    "between about among using used use via".split()
)


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


def _stems(words: list[str]) -> list[str]:
    return _stemmer().stemWords([w.lower() for w in words])


def query_stems(query: str) -> set[str]:
    words = [w for w in _WORD.findall(query) if w.lower() not in STOP]
    return set(_stems(words))


def snippet(text: str, query: str, max_chars: int = 320) -> list[tuple[str, bool]]:
    """Segments of the best-matching sentence (plus the next while short), cut to about max_chars."""
    text = " ".join((text or "").split())
    if not text:
        return []
    wanted = query_stems(query)
    sentences = _SENTENCE.split(text)
    scores = []
    for sentence in sentences:
        stems = set(_stems(_WORD.findall(_MATH.sub(" ", sentence))))
        scores.append(len(stems & wanted))
    best = max(range(len(sentences)), key=lambda i: (scores[i], -i))
    chosen = sentences[best]
    nxt = best + 1
    while len(chosen) < max_chars // 2 and nxt < len(sentences):
        chosen += " " + sentences[nxt]
        nxt += 1
    if len(chosen) > max_chars:
        cut = chosen[:max_chars]
        # Do not cut inside math: drop an unfinished formula.
        last_math_end = max((m.end() for m in _MATH.finditer(cut)), default=0)
        if cut.count("$", last_math_end) % 2:
            cut = cut[: cut.index("$", last_math_end)]
        chosen = cut[: cut.rfind(" ")] + " …" if " " in cut else cut
    prefix = "… " if best > 0 else ""
    return _mark(prefix + chosen, wanted)


def _mark(text: str, wanted: set[str]) -> list[tuple[str, bool]]:
    segments: list[tuple[str, bool]] = []
    math_spans = [(m.start(), m.end()) for m in _MATH.finditer(text)]
    position = 0
    for match in _WORD.finditer(text):
        if any(start <= match.start() < end for start, end in math_spans):
            continue
        if _stems([match.group()])[0] in wanted:
            if match.start() > position:
                segments.append((text[position : match.start()], False))
            segments.append((match.group(), True))
            position = match.end()
    if position < len(text):
        segments.append((text[position:], False))
    return segments
