"""TeX accents in author names as Unicode: arXiv keeps names as their authors typed them (`Bal\\'azs`,
`M\\"uller`, `{\\o}`), so the same person is spelled several ways. Pure Python; used at harvest, in the
corpus migration that rewrites stored names, and by the author filter."""

import re
import unicodedata

# Accent macros -> combining characters (LaTeX's text-mode accents, as in the LaTeX2e font encoding guide).
_ACCENTS = {
    "'": "\u0301",  # acute
    "`": "\u0300",  # grave
    "^": "\u0302",  # circumflex
    '"': "\u0308",  # diaeresis
    "~": "\u0303",  # tilde
    "=": "\u0304",  # macron
    ".": "\u0307",  # dot above
    "u": "\u0306",  # breve
    "v": "\u030c",  # caron (háček)
    "H": "\u030b",  # double acute
    "r": "\u030a",  # ring above
    "c": "\u0327",  # cedilla
    "k": "\u0328",  # ogonek
    "d": "\u0323",  # dot below
    "b": "\u0331",  # macron below
}
# Letters that are macros of their own.
_LETTERS = {
    "o": "ø", "O": "Ø", "l": "ł", "L": "Ł", "ss": "ß", "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ",
    "aa": "å", "AA": "Å", "i": "ı", "j": "ȷ", "dh": "ð", "DH": "Ð", "th": "þ", "TH": "Þ",
    "ng": "ŋ", "NG": "Ŋ",
}  # fmt: skip
_LETTER_MACRO = r"\\(?:ss|ae|AE|oe|OE|aa|AA|dh|DH|th|TH|ng|NG|[oOlLij])(?![A-Za-z])"
# The accented base: a letter, or \i / \j (an accent over a dotless i is an accented i), maybe braced.
_BASE = r"(?:[A-Za-z]|\\[ij](?![A-Za-z]))"
_SYMBOL_ACCENT = re.compile(rf"\\(['`^\"~=.])\s*(?:\{{\s*({_BASE})\s*\}}|({_BASE}))")
# A letter accent (\c, \v, ...) needs braces or a space before its base: "\vs" would be a macro "vs".
_LETTER_ACCENT = re.compile(rf"\\([uvHrckdb])(?:\s*\{{\s*({_BASE})\s*\}}|\s+({_BASE}))")
_LETTER = re.compile(rf"{_LETTER_MACRO}(?:\s*\{{\}}|\s+(?=[A-Za-z]))?")
# Escaped punctuation a name may carry ("\&" in "Smith \& Sons", "\'" is an accent and handled above).
_ESCAPED = re.compile(r"\\([&%_#$])")


def _accented(match: re.Match) -> str:
    base = match.group(2) or match.group(3)
    letter = {"\\i": "i", "\\j": "j"}.get(base, base)
    return unicodedata.normalize("NFC", letter + _ACCENTS[match.group(1)])


def tex_accents(text: str) -> str:
    """TeX accents and letter macros in `text` as Unicode letters, NFC: `Bal\\'azs` -> Balázs,
    `\\c{c}` -> ç, `{\\o}` -> ø. Other TeX (math, unknown macros) is left as it is."""
    text = _SYMBOL_ACCENT.sub(_accented, text)
    text = _LETTER_ACCENT.sub(_accented, text)
    text = _LETTER.sub(lambda m: _LETTERS[m.group(0).split("{")[0].strip().lstrip("\\")], text)
    return unicodedata.normalize("NFC", text)


def author_normalize(name: str) -> str:
    """An author's name as shown, searched and linked: TeX accents as Unicode, grouping braces, escapes and
    ties (`~`) dropped, whitespace collapsed, NFC. `{M\\"u}ller,~J.` -> `Müller, J.`"""
    name = tex_accents(name)
    name = _ESCAPED.sub(r"\1", name.replace("{", "").replace("}", "").replace("~", " "))
    return unicodedata.normalize("NFC", " ".join(name.split()))


_MATH_DELIMITER = re.compile(r"(?<!\\)\$")


def span_whole_math(text: str, start: int, end: int) -> tuple[int, int]:
    """The span [start, end) of `text` widened to whole inline formulas: a span that cuts a `$...$` formula
    (`0.807\\pm 0.024$` out of `$S_8 = 0.807\\pm 0.024$`) takes all of it, so what is shown renders as math
    rather than as TeX source. Delimiters pair in order; an unpaired last `$` is left alone."""
    marks = [m.start() for m in _MATH_DELIMITER.finditer(text)]
    for a, b in zip(marks[0::2], marks[1::2]):
        if a < end and b >= start and not (start <= a and b < end):
            start, end = min(start, a), max(end, b + 1)
    return start, end
