"""arXiv category names: archives, physics defaults, and matching a paper's categories against a filter."""

from collections.abc import Iterable

# The archives of arXiv's physics group.
PHYSICS_ARCHIVES = (
    "astro-ph",
    "cond-mat",
    "gr-qc",
    "hep-ex",
    "hep-lat",
    "hep-ph",
    "hep-th",
    "math-ph",
    "nlin",
    "nucl-ex",
    "nucl-th",
    "physics",
    "quant-ph",
)


def category_archive(category: str) -> str:
    """'cond-mat.str-el' -> 'cond-mat'; 'hep-th' -> 'hep-th'; 'math.MP' -> 'math'."""
    return category.split(".", 1)[0]


def categories_match(categories: Iterable[str], wanted: Iterable[str]) -> bool:
    """True when any category equals a wanted one or lies in a wanted archive (cross-lists count)."""
    wanted = set(wanted)
    return any(c in wanted or category_archive(c) in wanted for c in categories)


def parse_category_list(text: str | Iterable[str] | None) -> list[str]:
    """'hep-th, quant-ph' or ['hep-th'] -> ['hep-th', 'quant-ph'] (order kept, duplicates dropped)."""
    if text is None:
        return []
    items = text.replace(",", " ").split() if isinstance(text, str) else list(text)
    return list(dict.fromkeys(i.strip() for i in items if i.strip()))
