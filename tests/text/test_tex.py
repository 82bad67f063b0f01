"""TeX accents in author names become Unicode letters (text.author_normalize, text.tex_accents)."""

import unicodedata

import pytest

from physlit.text import author_normalize, span_whole_math, tex_accents


@pytest.mark.parametrize(
    ("tex", "unicode"),
    [
        (r"C. Bal\'azs", "C. Balázs"),
        (r"M\"uller", "Müller"),
        (r"M\"{u}ller", "Müller"),
        (r"{\"U}nal", "Ünal"),
        (r"{\o}stergaard", "østergaard"),
        (r"\O rsted", "Ørsted"),
        (r"Fran\c{c}ois", "François"),
        (r"Fran\c cois", "François"),
        (r"Du\v{s}an Petrovi\'c", "Dušan Petrović"),
        (r"Erd\H{o}s", "Erdős"),
        (r"Gro\ss{}mann", "Großmann"),
        (r"{\L}ukasz \.Zuk", "Łukasz Żuk"),
        (r"A. {\AA}berg", "A. Åberg"),
        (r"Ren{\'e} Tom\`as", "René Tomàs"),
        (r"Jos\'{\i}as", "Josías"),
        (r"T\^{a}nia", "Tânia"),
    ],
)
def test_tex_accents_become_unicode_letters(tex, unicode):
    assert author_normalize(tex) == unicode


def test_result_is_nfc_so_decomposed_and_tex_spellings_agree():
    decomposed = unicodedata.normalize("NFD", "Balázs")
    assert author_normalize(r"Bal\'azs") == author_normalize(decomposed) == "Balázs"
    assert unicodedata.is_normalized("NFC", author_normalize(r"Bal\'azs"))


def test_braces_ties_escapes_and_spaces_are_tidied():
    assert author_normalize(r"{van der Berg}, J.~P.") == "van der Berg, J. P."
    assert author_normalize("  Ana \t Núñez ") == "Ana Núñez"
    assert author_normalize(r"Smith \& Sons") == "Smith & Sons"


def test_plain_names_and_unknown_tex_are_left_alone():
    assert author_normalize("Juan Maldacena") == "Juan Maldacena"
    assert author_normalize("C.-P. Yuan (MIT, Caltech)") == "C.-P. Yuan (MIT, Caltech)"
    # Macros that merely start like a letter macro (\lambda, \it) are not letters.
    assert tex_accents(r"$\lambda$ \it x") == r"$\lambda$ \it x"


@pytest.mark.parametrize(
    "text, span, shown",
    [
        ("a constraint on $S_8 = 0.807\\pm 0.024$.", (23, 38), "$S_8 = 0.807\\pm 0.024$"),
        ("the mass $m < 10^6 M_\\odot$ and more", (12, 16), "$m < 10^6 M_\\odot$"),
        ("plain words 0.5 eV here", (12, 18), "0.5 eV"),  # no formula: unchanged
        ("costs \\$5 and $x$", (6, 9), "\\$5"),  # an escaped dollar is not a delimiter
        ("$a$ then $b$", (0, 3), "$a$"),  # a whole formula already: unchanged
    ],
)
def test_an_answer_span_takes_whole_formulas(text, span, shown):
    start, end = span_whole_math(text, *span)
    assert text[start:end] == shown
