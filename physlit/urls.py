"""URL map: admin, pages and JSON API (physlit.web); errors outside views go to physlit.web.middleware."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path(settings.PHYSLIT_ADMIN_PATH, admin.site.urls),
    path("", include("physlit.web.urls")),
]

# JSON under /api/, a friendly page elsewhere, a 503 for a database outage (404s: templates/404.html).
handler500 = "physlit.web.middleware.server_error"
