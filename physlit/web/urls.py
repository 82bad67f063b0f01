"""Web page URLs; arXiv ids in paths may be old style with a slash (hep-th/9901001) and carry a version."""

from django.urls import path, register_converter

from physlit.web import api, chat, views


class ArxivIdConverter:
    # New style 2401.01234, old style hep-th/9901001 or math.GT/0309136; optional version suffix.
    regex = r"(?:\d{4}\.\d{4,5}|[a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ArxivIdConverter, "arxiv_id")

app_name = "web"
urlpatterns = [
    path("", views.paper_list, name="paper_list"),
    path("papers/<arxiv_id:arxiv_id>", views.paper_detail, name="paper_detail"),
    path("papers/<arxiv_id:arxiv_id>/bibtex", views.paper_bibtex_download, name="paper_bibtex"),
    path("api/search", api.search, name="api_search"),
    path("api/papers/<arxiv_id:arxiv_id>", api.paper, name="api_paper"),
    path("api/ask", chat.ask, name="api_ask"),
    path("api/map", api.corpus_map, name="api_map"),
    path("map", views.corpus_map, name="map"),
    path("chat", chat.chat, name="chat"),
    path("chat/<str:conversation_key>", chat.chat, name="chat_conversation"),
]
