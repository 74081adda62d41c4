"""The connect pages: authorize redirect, callback (state, code exchange, identity), Page picking."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import requests
from django.contrib.messages import get_messages
from django.http import HttpResponse
from django.utils import timezone
from responses import matchers

from calendar_app.models import PublishAttempt
from calendar_app.models import ScheduledPost
from calendar_app.models import ScheduledPostAccount
from social.models import Platform
from social.models import SocialAccount
from social.models import SocialAccountStatus
from tests.platform_overrides import spec_overridden

from .fakes import CODE
from .fakes import FB_GRAPH
from .fakes import LI_ACCESS
from .fakes import PAGE_TOKENS
from .fakes import X_ACCESS
from .fakes import X_REFRESH
from .fakes import YT_ACCESS
from .fakes import YT_REFRESH
from .fakes import client_id
from .fakes import expect_facebook_connect
from .fakes import expect_instagram_connect
from .fakes import expect_linkedin_connect
from .fakes import expect_x_connect
from .fakes import expect_youtube_connect
from .fakes import make_account
from .fakes import query
from .fakes import redirect_uri
from .fakes import s256

pytestmark = pytest.mark.django_db

ACCOUNT_LIST = "/admin/social/socialaccount/"


@pytest.fixture
def staff_client(client, staff_user, oauth_apps):
    client.force_login(staff_user)
    return client


def identity(account: SocialAccount) -> tuple[str, str, str]:
    return account.platform, account.external_id, account.name


def start(client, slug: str) -> dict[str, str]:
    """Open the connect page; return the authorize redirect's query parameters."""
    response = client.get(f"/social/connect/{slug}/")
    assert response.status_code == 302, response.content.decode()[:500]
    return query(response["Location"])


def pending(client, platform: str) -> dict:
    """The newest authorization in progress for ``platform`` (the session keeps them by state)."""
    return list(client.session[f"social:oauth:{platform}"].values())[-1]


def finish(client, slug: str, params: dict[str, str], *, code: str = CODE):
    return client.get(f"/social/callback/{slug}/", {"state": params["state"], "code": code})


def page_text(response) -> str:
    return response.content.decode()


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
    with spec_overridden("LINKEDIN", connect_view="tests.social.test_views.start_with_a_form"):
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


# --- the callback: a new account per platform -----------------------------------------------------------


def test_callback__x_exchanges_the_code_with_pkce_and_stores_the_user(staff_client, staff_user, mocked):
    params = start(staff_client, "twitter")
    expect_x_connect(mocked, code_verifier=pending(staff_client, "TWITTER")["code_verifier"])

    before = timezone.now()
    response = finish(staff_client, "twitter", params)

    assert response.status_code == 302
    assert response["Location"] == ACCOUNT_LIST
    account = SocialAccount.objects.get()
    assert identity(account) == (Platform.TWITTER, "2244994945", "Developers")
    assert account.extra == {"username": "XDevelopers"}
    assert (account.access_token, account.refresh_token) == (X_ACCESS, X_REFRESH)
    assert (
        before + timedelta(seconds=7190) < account.token_expires_at < timezone.now() + timedelta(seconds=7201)
    )
    assert account.status == SocialAccountStatus.ACTIVE
    assert account.owner == staff_user
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["Connected X (Twitter): Developers."]
    # Every platform call had the configured (connect, read) timeouts.
    assert {call.request.req_kwargs["timeout"] for call in mocked.calls} == {(3.5, 12.0)}


def test_callback__linkedin_stores_the_member_with_its_author_urn(staff_client, mocked):
    params = start(staff_client, "linkedin")
    expect_linkedin_connect(mocked)

    response = finish(staff_client, "linkedin", params)

    assert response.status_code == 302
    account = SocialAccount.objects.get()
    assert identity(account) == (Platform.LINKEDIN, "782bbtaQ", "Jane Doe")
    assert account.extra == {"author_urn": "urn:li:person:782bbtaQ"}
    assert (account.access_token, account.refresh_token) == (LI_ACCESS, "")
    assert account.token_expires_at > timezone.now() + timedelta(days=59)


def test_callback__youtube_stores_the_channel_and_its_refresh_token(staff_client, mocked):
    params = start(staff_client, "youtube")
    expect_youtube_connect(mocked)

    finish(staff_client, "youtube", params)

    account = SocialAccount.objects.get()
    assert (account.platform, account.external_id) == (Platform.YOUTUBE, "UC_x5XG1OV2P6uZZ5FSM9Ttw")
    assert account.name == "Google for Developers"
    assert (account.access_token, account.refresh_token) == (YT_ACCESS, YT_REFRESH)
    assert (
        timezone.now() + timedelta(minutes=59)
        < account.token_expires_at
        < timezone.now() + timedelta(hours=1)
    )


def test_callback__youtube_account_without_a_channel_is_refused(staff_client, mocked):
    params = start(staff_client, "youtube")
    mocked.post("https://oauth2.googleapis.com/token", json={"access_token": YT_ACCESS, "expires_in": 3599})
    mocked.get("https://www.googleapis.com/youtube/v3/channels", json={"items": []})

    response = finish(staff_client, "youtube", params)

    assert response.status_code == 502
    assert "has no YouTube channel" in page_text(response)
    assert SocialAccount.objects.count() == 0


# --- Facebook Pages and Instagram business accounts: exchange, then pick ---------------------------------


def test_callback__facebook_gets_a_long_lived_token_then_offers_the_pages(staff_client, staff_user, mocked):
    params = start(staff_client, "facebook")
    expect_facebook_connect(mocked)

    response = finish(staff_client, "facebook", params)

    assert response.status_code == 302
    assert response["Location"] == "/social/connect/facebook/pick/"
    assert SocialAccount.objects.count() == 0  # nothing stored before the person picks

    picker = staff_client.get("/social/connect/facebook/pick/")
    body = page_text(picker)
    assert picker.status_code == 200
    assert 'value="1001"' in body and "Corner Bakery" in body
    assert 'value="1002"' in body and "Harbour Cafe" in body
    assert all(token not in body for token in PAGE_TOKENS.values())

    response = staff_client.post("/social/connect/facebook/pick/", {"accounts": ["1002"]})

    assert response.status_code == 302
    assert response["Location"] == ACCOUNT_LIST
    account = SocialAccount.objects.get()
    assert identity(account) == (Platform.FACEBOOK, "1002", "Harbour Cafe")
    assert account.access_token == PAGE_TOKENS["1002"]
    assert (account.refresh_token, account.token_expires_at, account.extra) == ("", None, {})
    assert account.owner == staff_user
    # The stash is gone once used: the same pick cannot be posted twice.
    again = staff_client.post("/social/connect/facebook/pick/", {"accounts": ["1001"]})
    assert again.status_code == 400
    assert SocialAccount.objects.count() == 1


def test_pick__several_pages_at_once_and_an_already_connected_one_is_marked(staff_client, staff_user, mocked):
    existing = make_account(staff_user, platform=Platform.FACEBOOK, external_id="1001", name="Bakery (old)")
    params = start(staff_client, "facebook")
    expect_facebook_connect(mocked)
    finish(staff_client, "facebook", params)

    picker = staff_client.get("/social/connect/facebook/pick/")
    assert "Corner Bakery (already connected: its tokens will be replaced)" in page_text(picker)

    staff_client.post("/social/connect/facebook/pick/", {"accounts": ["1001", "1002"]})

    accounts = {account.external_id: account for account in SocialAccount.objects.all()}
    assert set(accounts) == {"1001", "1002"}
    assert accounts["1001"].pk == existing.pk
    assert accounts["1001"].name == "Corner Bakery"
    assert accounts["1001"].access_token == PAGE_TOKENS["1001"]
    assert accounts["1001"].refresh_token == ""


def test_pick__nothing_chosen_is_a_form_error_and_nothing_is_stored(staff_client, mocked):
    params = start(staff_client, "facebook")
    expect_facebook_connect(mocked)
    finish(staff_client, "facebook", params)

    response = staff_client.post("/social/connect/facebook/pick/", {})

    assert response.status_code == 200
    assert "Pick at least one account to connect." in page_text(response)
    assert SocialAccount.objects.count() == 0
    # A page that is not on offer cannot be smuggled in either.
    response = staff_client.post("/social/connect/facebook/pick/", {"accounts": ["9999"]})
    assert "Select a valid choice" in page_text(response)
    assert SocialAccount.objects.count() == 0


def test_pick__without_a_callback_first_says_so(staff_client):
    response = staff_client.get("/social/connect/facebook/pick/")

    assert response.status_code == 400
    assert "no list of accounts to pick from" in page_text(response)


def test_pick__platforms_with_one_account_have_no_picker(staff_client):
    assert staff_client.get("/social/connect/twitter/pick/").status_code == 404


def test_callback__instagram_offers_only_pages_with_a_business_account(staff_client, mocked):
    params = start(staff_client, "instagram")
    expect_instagram_connect(mocked)
    finish(staff_client, "instagram", params)

    picker = page_text(staff_client.get("/social/connect/instagram/pick/"))
    assert 'value="17841400000000001"' in picker and "cornerbakery" in picker
    assert "Harbour Cafe" not in picker

    staff_client.post("/social/connect/instagram/pick/", {"accounts": ["17841400000000001"]})

    account = SocialAccount.objects.get()
    assert identity(account) == (Platform.INSTAGRAM, "17841400000000001", "cornerbakery")
    assert account.access_token == PAGE_TOKENS["1001"]  # publishing uses the Page's token
    assert account.extra == {"page_id": "1001"}
    assert account.token_expires_at is None


def test_callback__facebook_user_without_pages_is_told_so(staff_client, mocked):
    params = start(staff_client, "facebook")
    expect_facebook_connect(mocked, pages=[])

    response = finish(staff_client, "facebook", params)

    assert response.status_code == 200
    assert "Facebook shared no Page with this app" in page_text(response)
    assert "social:oauth:FACEBOOK:choices" not in staff_client.session


def test_callback__facebook_pages_are_read_across_result_pages(staff_client, mocked):
    params = start(staff_client, "facebook")
    expect_facebook_connect(mocked, pages=[{"id": "1001", "name": "Corner Bakery", "access_token": "EAA1"}])
    # The first answer says there is more; the registered answer above has no "next", so replace it.
    mocked.replace(
        "GET",
        f"{FB_GRAPH}/me/accounts",
        match=[matchers.query_param_matcher({"fields": "id,name,access_token", "limit": "100"})],
        json={
            "data": [{"id": "1001", "name": "Corner Bakery", "access_token": "EAA1"}],
            "paging": {"cursors": {"after": "CURSOR2"}, "next": f"{FB_GRAPH}/me/accounts?after=CURSOR2"},
        },
    )
    mocked.get(
        f"{FB_GRAPH}/me/accounts",
        match=[
            matchers.query_param_matcher(
                {"fields": "id,name,access_token", "limit": "100", "after": "CURSOR2"}
            )
        ],
        json={"data": [{"id": "1002", "name": "Harbour Cafe", "access_token": "EAA2"}], "paging": {}},
    )

    finish(staff_client, "facebook", params)

    picker = page_text(staff_client.get("/social/connect/facebook/pick/"))
    assert 'value="1001"' in picker and 'value="1002"' in picker


# --- the callback: what fails changes nothing -----------------------------------------------------------


def test_callback__error_from_the_platform_shows_it_and_changes_nothing(staff_client, staff_user, mocked):
    existing = make_account(staff_user)
    params = start(staff_client, "twitter")

    response = staff_client.get(
        "/social/callback/twitter/",
        {"state": params["state"], "error": "access_denied", "error_description": "The user denied access"},
    )

    assert response.status_code == 400
    assert "did not grant access (access_denied: The user denied access)" in page_text(response)
    assert "Nothing was changed." in page_text(response)
    assert len(mocked.calls) == 0
    assert SocialAccount.objects.get().access_token == existing.access_token
    assert "social:oauth:TWITTER" not in staff_client.session


def test_callback__error_without_the_right_state_shows_no_free_text(staff_client, mocked):
    start(staff_client, "twitter")

    response = staff_client.get(
        "/social/callback/twitter/",
        {"state": "forged", "error": "access_denied", "error_description": "Call 555-0100 to restore access"},
    )

    assert response.status_code == 400
    body = page_text(response)
    assert "did not grant access (access_denied)" in body
    assert "555-0100" not in body


def test_callback__without_state_is_refused(staff_client, mocked):
    start(staff_client, "linkedin")

    response = staff_client.get("/social/callback/linkedin/", {"code": CODE})

    assert response.status_code == 400
    assert "was not started from this browser session" in page_text(response)
    assert len(mocked.calls) == 0
    assert SocialAccount.objects.count() == 0


def test_callback__without_a_started_connect_is_refused(staff_client, mocked):
    response = staff_client.get("/social/callback/linkedin/", {"state": "made-up", "code": CODE})

    assert response.status_code == 400
    assert len(mocked.calls) == 0


def test_callback__wrong_state_is_refused_before_any_exchange(staff_client, mocked):
    params = start(staff_client, "linkedin")

    response = staff_client.get("/social/callback/linkedin/", {"state": params["state"] + "x", "code": CODE})

    assert response.status_code == 400
    assert "state does not match" in page_text(response)
    assert len(mocked.calls) == 0
    assert SocialAccount.objects.count() == 0


def test_callback__a_wrong_state_does_not_cancel_the_connect_in_progress(staff_client, mocked):
    """A stray or forged callback must not use up the person's pending authorization: the real callback
    that follows still connects (before, the wrong one popped it and the real one answered 400)."""
    params = start(staff_client, "linkedin")
    assert (
        staff_client.get("/social/callback/linkedin/", {"state": "forged", "code": CODE}).status_code == 400
    )
    assert (
        staff_client.get("/social/callback/linkedin/", {"state": "x", "error": "access_denied"}).status_code
        == 400
    )
    expect_linkedin_connect(mocked)

    assert finish(staff_client, "linkedin", params).status_code == 302
    assert SocialAccount.objects.count() == 1


def test_callback__two_tabs_connecting_each_finish_with_their_own_state(staff_client, mocked):
    first = start(staff_client, "linkedin")
    second = start(staff_client, "linkedin")
    expect_linkedin_connect(mocked)

    assert finish(staff_client, "linkedin", first).status_code == 302
    assert "social:oauth:LINKEDIN" in staff_client.session, "the second tab's authorization is still there"
    assert finish(staff_client, "linkedin", first).status_code == 400, "a state is good for one callback"
    expect_linkedin_connect(mocked)
    assert finish(staff_client, "linkedin", second).status_code == 302
    assert "social:oauth:LINKEDIN" not in staff_client.session


def test_callback__state_of_another_platform_is_refused(staff_client, mocked):
    params = start(staff_client, "youtube")

    response = staff_client.get("/social/callback/linkedin/", {"state": params["state"], "code": CODE})

    assert response.status_code == 400
    assert len(mocked.calls) == 0


def test_callback__replaying_a_used_state_is_refused(staff_client, mocked):
    params = start(staff_client, "linkedin")
    expect_linkedin_connect(mocked)
    assert finish(staff_client, "linkedin", params).status_code == 302
    stored = SocialAccount.objects.get()

    replay = finish(staff_client, "linkedin", params, code="another-code")

    assert replay.status_code == 400
    assert len(mocked.calls) == 2  # the first exchange and identity read only
    assert SocialAccount.objects.get().access_token == stored.access_token


def test_callback__stale_state_is_refused(staff_client, mocked):
    params = start(staff_client, "linkedin")
    session = staff_client.session
    session["social:oauth:LINKEDIN"][params["state"]]["started_at"] -= 16 * 60
    session.save()

    assert finish(staff_client, "linkedin", params).status_code == 400
    assert len(mocked.calls) == 0


def test_callback__missing_code_is_refused(staff_client, mocked):
    params = start(staff_client, "linkedin")

    response = staff_client.get("/social/callback/linkedin/", {"state": params["state"]})

    assert response.status_code == 400
    assert "sent no authorization code" in page_text(response)


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (
            {
                "status": 400,
                "json": {"error": "invalid_grant", "error_description": "Authorization code expired"},
            },
            "invalid_grant: Authorization code expired",
        ),
        ({"status": 401, "json": {"error": "invalid_client"}}, "invalid_client"),
        ({"status": 503, "json": {"error": "temporarily_unavailable"}}, "answered HTTP 503"),
        ({"status": 200, "body": "<html><body>Bad gateway</body></html>"}, "something that is not a token"),
        ({"status": 200, "json": {"token_type": "bearer"}}, "something that is not a token"),
        ({"body": requests.ConnectionError("connection refused")}, "could not connect"),
        ({"body": requests.ReadTimeout("read timed out")}, "timed out"),
    ],
    ids=["invalid_grant", "invalid_client", "503", "html", "no-access-token", "network", "timeout"],
)
def test_callback__failed_exchange_shows_why_and_changes_nothing(
    staff_client, staff_user, mocked, answer, message
):
    existing = make_account(staff_user, platform=Platform.LINKEDIN, external_id="782bbtaQ", name="Jane Doe")
    params = start(staff_client, "linkedin")
    mocked.post("https://www.linkedin.com/oauth/v2/accessToken", **answer)

    response = finish(staff_client, "linkedin", params)

    assert response.status_code == 502
    body = page_text(response)
    assert "LinkedIn did not accept the authorization" in body and message in body
    assert "Nothing was changed." in body
    assert 'href="/social/connect/linkedin/"' in body
    fresh = SocialAccount.objects.get()
    assert (fresh.access_token, fresh.refresh_token, fresh.updated_at) == (
        existing.access_token,
        existing.refresh_token,
        existing.updated_at,
    )


def test_callback__failed_identity_read_stores_nothing(staff_client, mocked):
    params = start(staff_client, "twitter")
    mocked.post("https://api.x.com/2/oauth2/token", json={"access_token": X_ACCESS, "token_type": "bearer"})
    mocked.get(
        "https://api.x.com/2/users/me",
        status=403,
        json={
            "title": "Forbidden",
            "detail": "Your client app is not configured with the appropriate oauth1 app",
        },
    )

    response = finish(staff_client, "twitter", params)

    assert response.status_code == 502
    assert "refused to show the X user (HTTP 403: Forbidden: Your client app is not" in page_text(response)
    assert SocialAccount.objects.count() == 0


# --- reconnecting -----------------------------------------------------------------------------------------


def test_callback__reconnect_keeps_the_row_its_history_and_owner_and_replaces_the_tokens(
    staff_client, user, mocked
):
    account = make_account(user, status=SocialAccountStatus.NEEDS_RECONNECT, extra={"username": "old_handle"})
    post = ScheduledPost.objects.create(content="hello", scheduled_at=timezone.now(), created_by=user)
    post_account = ScheduledPostAccount.objects.create(post=post, account=account)
    PublishAttempt.objects.create(post_account=post_account, started_at=timezone.now())

    params = start(staff_client, "twitter")
    expect_x_connect(mocked, code_verifier=pending(staff_client, "TWITTER")["code_verifier"])
    finish(staff_client, "twitter", params)

    fresh = SocialAccount.objects.get()
    assert fresh.pk == account.pk
    assert fresh.owner == user  # the staff member who reconnected does not take it over
    assert (fresh.access_token, fresh.refresh_token) == (X_ACCESS, X_REFRESH)
    assert fresh.status == SocialAccountStatus.ACTIVE
    assert (fresh.name, fresh.extra) == ("Developers", {"username": "XDevelopers"})
    assert list(fresh.post_accounts.all()) == [post_account]
    assert PublishAttempt.objects.filter(post_account__account=fresh).count() == 1
