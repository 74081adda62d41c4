from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/cron/", include("calendar_app.urls")),
    path("social/", include("social.urls")),
    path("media-library/", include("media_library.urls")),
]
