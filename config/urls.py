from django.contrib import admin
from django.urls import include, path

from calendar_app.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/cron/", include("calendar_app.urls")),
    path("social/", include("social.urls")),
    path("media-library/", include("media_library.urls")),
]
