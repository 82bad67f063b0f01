"""BibTeX for a paper, in the shape arXiv and INSPIRE export (@misc with eprint fields)."""

import re
import unicodedata

_KEY_CHARS = re.compile(r"[^a-z0-9]")
_SKIP_WORDS = {"a", "an", "the", "on", "of", "in", "for", "and", "to", "from", "with"}


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _braced(text: str) -> str:
    # Unbalanced braces in harvested text would break the entry; drop them if they do not balance.
    depth = 0
    for char in text:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            break
    return text if depth == 0 else text.replace("{", "").replace("}", "")


def bibtex_key(paper) -> str:
    """e.g. hoehn2014toolbox: first author's surname, year of v1, first significant title word."""
    surname = paper.authors[0].split()[-1] if paper.authors else "anon"
    surname = _KEY_CHARS.sub("", _ascii(re.sub(r"\\.", "", surname)).lower()) or "anon"
    year = str(paper.first_submitted.year) if paper.first_submitted else ""
    words = [_KEY_CHARS.sub("", _ascii(w).lower()) for w in re.sub(r"\$[^$]*\$", " ", paper.title).split()]
    word = next((w for w in words if w and w not in _SKIP_WORDS), "")
    return f"{surname}{year}{word}"


def paper_bibtex(paper) -> str:
    fields = [
        ("title", "{" + _braced(paper.title) + "}"),
        ("author", " and ".join(paper.authors)),
        ("year", str(paper.first_submitted.year) if paper.first_submitted else ""),
        ("eprint", paper.arxiv_id),
        ("archivePrefix", "arXiv"),
        ("primaryClass", paper.primary_category),
        ("doi", paper.doi.split()[0] if paper.doi else ""),
        ("note", _braced(paper.journal_ref)),
        ("url", paper.abs_url),
    ]
    body = ",\n".join(f"  {name} = {{{_braced(value)}}}" for name, value in fields if value)
    return f"@misc{{{bibtex_key(paper)},\n{body}\n}}\n"
