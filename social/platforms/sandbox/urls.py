"""The Sandbox's network, served under /sandbox/ while SANDBOX_PLATFORM is on (config/urls.py)."""

from django.urls import path

from .network import api
from .network import oauth
from .network import pages

app_name = "sandbox"

urlpatterns = [
    path("", pages.index, name="index"),
    path("oauth/authorize/", oauth.authorize, name="authorize"),
    path("oauth/token/", oauth.token, name="token"),
    path("api/v1/me", api.me, name="api-me"),
    path("api/v1/media", api.media_create, name="api-media"),
    path("api/v1/media/<str:media_id>/content", api.media_content, name="api-media-content"),
    path("api/v1/posts", api.posts, name="api-posts"),
    path("api/v1/accounts/<str:handle>/posts", api.account_posts, name="api-account-posts"),
    path("media/<str:media_id>/", pages.media_file, name="media"),
    # Last: handles are never one of the paths above (models.RESERVED_HANDLES).
    path("<str:handle>/", pages.account_timeline, name="timeline"),
]
