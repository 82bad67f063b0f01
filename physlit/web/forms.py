"""Validation of search parameters, shared by the search and newest-papers pages and GET /api/search."""

from django import forms

from physlit.search.service import MODES, SORTS, SearchFilters
from physlit.text import TextRefused, text_clean

MAX_QUERY_CHARS = 4000  # a pasted abstract fits (arXiv caps abstracts at 1,920 characters)
MAX_K = 100
MAX_OFFSET = 1_000_000  # well past any corpus page; bounds the number a client can send


class SearchForm(forms.Form):
    # Empty: the newest papers passing the filters.
    q = forms.CharField(max_length=MAX_QUERY_CHARS, strip=True, required=False)
    k = forms.IntegerField(min_value=1, max_value=MAX_K, required=False)
    offset = forms.IntegerField(min_value=0, max_value=MAX_OFFSET, required=False)
    mode = forms.ChoiceField(choices=[(m, m) for m in MODES], required=False)
    sort = forms.ChoiceField(choices=[(s, s) for s in SORTS], required=False)
    category = forms.CharField(max_length=40, required=False, strip=True)
    date_from = forms.DateField(input_formats=["%Y-%m-%d"], required=False)
    date_to = forms.DateField(input_formats=["%Y-%m-%d"], required=False)
    author = forms.CharField(max_length=200, required=False, strip=True)

    def __init__(self, *args, known_categories: set[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.known_categories = known_categories

    def clean_q(self):
        return self._text("q")  # stored text is NFC: a decomposed "ö" must match it

    def clean_author(self):
        return self._text("author")

    def _text(self, name: str) -> str:
        try:
            return text_clean(self.cleaned_data[name], field=name)
        except TextRefused as exc:
            raise forms.ValidationError(str(exc).removeprefix(f"{name}: ")) from exc

    def clean_category(self):
        category = self._text("category")
        if category and self.known_categories is not None and category not in self.known_categories:
            raise forms.ValidationError(f"unknown category {category!r}")
        return category or None

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError("date_from is after date_to")
        return data

    def filters(self) -> SearchFilters:
        data = self.cleaned_data
        return SearchFilters(
            category=data.get("category"),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            author=data.get("author") or None,
        )

    def error_message(self) -> str:
        """One line naming each bad parameter, for the API's {"error": ...}."""
        parts = []
        for name, errors in self.errors.items():
            text = "; ".join(str(e) for e in errors)
            parts.append(text if name == "__all__" else f"{name}: {text}")
        return ". ".join(parts)


class TrendsForm(SearchForm):
    """GET /api/trends: a query with the search filters, or a category alone (every paper filed under it)."""

    q = forms.CharField(max_length=MAX_QUERY_CHARS, strip=True, required=False)

    def clean(self):
        data = super().clean()
        if not data.get("q") and not self.has_error("q"):
            if not data.get("category") and not self.has_error("category"):
                raise forms.ValidationError("give q (a search) or category")
            if any(data.get(name) for name in ("date_from", "date_to", "author", "mode")):
                raise forms.ValidationError("date_from, date_to, author and mode need q")
        return data


MAX_QUANTITY_CHARS = 300  # a quantity's name ("Hubble constant measurements"), as long as a stored key


class ValuesForm(SearchForm):
    """GET /api/values and the values page: q names a quantity ("Hubble constant", "sigma_8 constraints")."""

    q = forms.CharField(max_length=MAX_QUANTITY_CHARS, strip=True, required=True)
