"""Web page URLs; arXiv ids in paths may be old style with a slash (hep-th/9901001) and carry a version."""

from django.urls import path, register_converter

from physlit.web import api, chat, classify, feeds, views


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
    path("bibtex", views.results_bibtex, name="results_bibtex"),
    # Names may hold a slash ("A. One (CERN/Geneva)"): `path` takes the rest of the URL, decoded.
    path("authors/<path:name>", views.author_detail, name="author"),
    path("api/authors/<path:name>", api.author, name="api_author"),
    path("favicon.ico", views.favicon),
    path("api/search", api.search, name="api_search"),
    path("api/papers/<arxiv_id:arxiv_id>", api.paper, name="api_paper"),
    path("api/trends", api.trends, name="api_trends"),
    path("api/values", api.values, name="api_values"),
    path("values", views.values_page, name="values"),
    path("feeds/search.atom", feeds.SearchFeed(), name="feed_search"),
    path("feeds/category/<str:category>.atom", feeds.CategoryFeed(), name="feed_category"),
    path("api/ask", chat.ask, name="api_ask"),
    path("api/classify", classify.classify, name="api_classify"),
    path("api/map", api.corpus_map, name="api_map"),
    path("map", views.corpus_map, name="map"),
    path("chat", chat.chat, name="chat"),
    path("chat/list", chat.chat_list, name="chat_list"),  # conversation keys are 22 characters
    path("chat/<str:conversation_key>", chat.chat, name="chat_conversation"),
]
