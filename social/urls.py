from django.urls import path
from django.urls import register_converter

from . import views
from .models import Platform


class PlatformConverter:
    """A platform in URLs is lower case (``twitter``); views get the Platform value (``TWITTER``)."""

    regex = "|".join(value.lower() for value in Platform.values)

    def to_python(self, value: str) -> str:
        return value.upper()

    def to_url(self, value: str) -> str:
        return str(value).lower()


register_converter(PlatformConverter, "social_platform")

app_name = "social"

urlpatterns = [
    path("connect/<social_platform:platform>/", views.connect, name="connect"),
    path("connect/<social_platform:platform>/pick/", views.pick, name="pick"),
    path("callback/<social_platform:platform>/", views.callback, name="callback"),
]
