"""Result snippets: the abstract sentence that best matches the query, with matching words marked.

Returns plain-text segments (text, highlighted) so templates keep autoescaping; never marks inside TeX math,
where a <mark> would stop KaTeX from rendering the formula. Sentences, stop words and stems are those of
physlit.text, the same that keyword search matches with.
"""

import re

from physlit.text import STOP_WORDS, normalize, sentences, stem, stems

_MATH = re.compile(r"\$\$.+?\$\$|\$[^$]+\$|\\\(.+?\\\)|\\\[.+?\\\]", re.S)
# A word worth marking: three letters or digits at least (no hyphens, so "black-hole" marks both halves).
_WORD = re.compile(r"[^\W_]{3,}", re.U)


def query_stems(query: str) -> set[str]:
    words = [w for w in _WORD.findall(normalize(query)) if w.lower() not in STOP_WORDS]
    return set(stems(words))


def snippet(text: str, query: str, max_chars: int = 320) -> list[tuple[str, bool]]:
    """Segments of the best-matching sentence (plus the next while short), cut to about max_chars."""
    text = " ".join((text or "").split())
    if not text:
        return []
    wanted = query_stems(query)
    parts = sentences(text) or [text]
    scores = [len(set(stems(_WORD.findall(_MATH.sub(" ", part)))) & wanted) for part in parts]
    best = max(range(len(parts)), key=lambda i: (scores[i], -i))
    chosen = parts[best]
    nxt = best + 1
    while len(chosen) < max_chars // 2 and nxt < len(parts):
        chosen += " " + parts[nxt]
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
        if stem(match.group()) in wanted:
            if match.start() > position:
                segments.append((text[position : match.start()], False))
            segments.append((match.group(), True))
            position = match.end()
    if position < len(text):
        segments.append((text[position:], False))
    return segments
