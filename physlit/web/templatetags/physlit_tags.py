"""Template filters for harvested text: abstract previews that keep TeX intact, and safe outbound links.

Both return plain strings, so Django's autoescaping still applies to what they return.
"""

import re

from django import template

register = template.Library()

# A "$" that opens or closes inline math (an escaped "\$" is a literal dollar sign).
_DOLLAR = re.compile(r"(?<!\\)\$")


@register.filter
def preview(text: str, length: int = 300) -> str:
    """The first ~`length` characters, cut at a space and never inside $...$ or \\(...\\) math."""
    text = text or ""
    if len(text) <= length:
        return text
    cut = text[:length]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    # An unclosed delimiter would show raw TeX (or swallow the rest of the page's text): cut before it.
    dollars = list(_DOLLAR.finditer(cut))
    if len(dollars) % 2:
        cut = cut[: dollars[-1].start()]
    if cut.count("\\(") > cut.count("\\)"):
        cut = cut[: cut.rindex("\\(")]
    return cut.rstrip(" ,;:") + " …"


@register.filter
def http_url(value: str) -> str:
    """`value` if it is an http(s) URL, else "": harvested text must never become a javascript: link."""
    value = (value or "").strip()
    return value if value.lower().startswith(("http://", "https://")) else ""
