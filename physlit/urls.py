"""URL map: admin, pages and JSON API (physlit.web)."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path(settings.PHYSLIT_ADMIN_PATH, admin.site.urls),
    path("", include("physlit.web.urls")),
]
