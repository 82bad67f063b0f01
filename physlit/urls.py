"""URL map: admin, pages and JSON API (physlit.web)."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("physlit.web.urls")),
]
