"""The connect page: the redirect to each platform's authorize URL, and who may open it."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.http import HttpResponse

from social.models import SocialAccount
from tests.platform_overrides import spec_overridden

from .connecting import ACCOUNT_LIST
from .connecting import page_text
from .connecting import pending
from .connecting import start
from .fakes import client_id
from .fakes import query
from .fakes import redirect_uri
from .fakes import s256

pytestmark = pytest.mark.django_db


# --- the authorize redirect ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("slug", "authorize_url", "scope", "extra"),
    [
        (
            "twitter",
            "https://x.com/i/oauth2/authorize",
            "tweet.read tweet.write users.read media.write offline.access",
            {"code_challenge_method": "S256"},
        ),
        (
            "facebook",
            "https://www.facebook.com/v25.0/dialog/oauth",
            "pages_show_list,pages_manage_posts,pages_read_engagement",
            {},
        ),
        (
            "instagram",
            "https://www.facebook.com/v25.0/dialog/oauth",
            "instagram_basic,instagram_content_publish,pages_show_list,pages_read_engagement",
            {},
        ),
        ("linkedin", "https://www.linkedin.com/oauth/v2/authorization", "openid profile w_member_social", {}),
        (
            "youtube",
            "https://accounts.google.com/o/oauth2/v2/auth",
            "https://www.googleapis.com/auth/youtube.upload https://www.googleapis.com/auth/youtube.readonly",
            {"access_type": "offline", "prompt": "consent", "include_granted_scopes": "true"},
        ),
    ],
)
def test_connect__redirects_to_the_platforms_authorize_url(staff_client, slug, authorize_url, scope, extra):
    response = staff_client.get(f"/social/connect/{slug}/")

    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == authorize_url
    params = query(response["Location"])
    state = pending(staff_client, slug.upper())["state"]
    expected = {
        "response_type": "code",
        "client_id": client_id(slug.upper()),
        "redirect_uri": redirect_uri(slug),
        "scope": scope,
        "state": state,
    } | extra
    if slug == "twitter":
        expected["code_challenge"] = params.get("code_challenge")
    assert params == expected
    assert len(state) >= 32


def test_connect__x_sends_the_s256_challenge_of_the_verifier_kept_in_the_session(staff_client):
    params = start(staff_client, "twitter")

    verifier = pending(staff_client, "TWITTER")["code_verifier"]
    assert 43 <= len(verifier) <= 128
    assert params["code_challenge_method"] == "S256"
    assert params["code_challenge"] == s256(verifier)


def test_connect__every_attempt_gets_a_new_state_and_verifier(staff_client):
    first = start(staff_client, "twitter")
    second = start(staff_client, "twitter")

    assert first["state"] != second["state"]
    assert first["code_challenge"] != second["code_challenge"]
    assert pending(staff_client, "TWITTER")["state"] == second["state"]


def test_connect__redirect_uri_uses_oauth_redirect_base_url_behind_a_proxy(staff_client, settings):
    settings.OAUTH_REDIRECT_BASE_URL = "https://scheduler.example.com/"

    params = start(staff_client, "linkedin")

    assert params["redirect_uri"] == "https://scheduler.example.com/social/callback/linkedin/"
    assert pending(staff_client, "LINKEDIN")["redirect_uri"] == params["redirect_uri"]


def test_connect__settings_are_read_at_call_time(staff_client, settings):
    settings.LINKEDIN_AUTHORIZE_URL = "https://staging.example.com/oauth/authorize"
    settings.LINKEDIN_CLIENT_ID = "staging-app"

    response = staff_client.get("/social/connect/linkedin/")

    assert response["Location"].startswith("https://staging.example.com/oauth/authorize?")
    assert query(response["Location"])["client_id"] == "staging-app"


def test_connect__unconfigured_platform_names_the_missing_settings(staff_client, settings):
    settings.YOUTUBE_CLIENT_ID = ""
    settings.YOUTUBE_CLIENT_SECRET = "yt-secret-VALUE-not-shown"

    response = staff_client.get("/social/connect/youtube/")

    assert response.status_code == 200
    body = page_text(response)
    assert "YouTube accounts cannot be connected yet" in body
    assert "<code>YOUTUBE_CLIENT_ID</code>" in body
    assert "YOUTUBE_CLIENT_SECRET" not in body  # it is set: only what is missing is listed
    assert "yt-secret-VALUE-not-shown" not in body
    assert f'href="{ACCOUNT_LIST}"' in body
    assert "http://testserver/social/callback/youtube/" in body
    assert "social:oauth:YOUTUBE" not in staff_client.session


def start_with_a_form(request, provider) -> HttpResponse:
    """A platform's own start of connecting (Mastodon's server, Bluesky's app password)."""
    return HttpResponse(f"{provider.display_name}: the form ({request.method})")


def test_connect__a_platform_that_starts_with_a_form_gets_the_request(staff_client):
    with spec_overridden("LINKEDIN", connect_view="tests.social.test_views_connect.start_with_a_form"):
        shown = staff_client.get("/social/connect/linkedin/")
        posted = staff_client.post("/social/connect/linkedin/", {"handle": "acme.example"})

    assert (shown.status_code, shown.content) == (200, b"LinkedIn: the form (GET)")
    assert (posted.status_code, posted.content) == (200, b"LinkedIn: the form (POST)")
    assert "social:oauth:LINKEDIN" not in staff_client.session


def test_connect__the_oauth_redirect_answers_get_only(staff_client):
    response = staff_client.post("/social/connect/linkedin/")

    assert response.status_code == 405
    assert "social:oauth:LINKEDIN" not in staff_client.session


def test_connect__unknown_platform_is_404(staff_client):
    assert staff_client.get("/social/connect/myspace/").status_code == 404
    assert staff_client.get("/social/callback/myspace/").status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/social/connect/twitter/",
        "/social/callback/twitter/?state=s&code=c",
        "/social/connect/facebook/pick/",
    ],
)
def test_views__non_staff_are_sent_to_the_admin_login(client, user, oauth_apps, mocked, url):
    for logged_in in (False, True):
        if logged_in:
            client.force_login(user)
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/?next=")
    assert SocialAccount.objects.count() == 0
    assert len(mocked.calls) == 0
