from django.contrib import admin
from django.urls import include
from django.urls import path

from api.v1 import api as api_v1
from calendar_app.views import healthz
from social.platforms import platform_specs

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/cron/", include("calendar_app.urls")),
    path("api/v1/", api_v1.urls),
    path("social/", include("social.urls")),
    path("media-library/", include("media_library.urls")),
]

# A platform with pages of its own (the Sandbox's network at /sandbox/), only while it is enabled.
urlpatterns += [path(f"{spec.slug}/", include(spec.urls)) for spec in platform_specs() if spec.urls]
