from django.contrib import admin
from django.urls import include, path

from api.v1 import api as api_v1

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/cron/", include("calendar_app.urls")),
    path("api/v1/", api_v1.urls),
    path("social/", include("social.urls")),
    path("media-library/", include("media_library.urls")),
]
