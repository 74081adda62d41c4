"""Every way a secret can show up in a message, scrubbed by the one ``redact`` every message goes through."""

from __future__ import annotations

import pytest
import responses

from social.models import Platform
from social.platforms import OAuthConnectError
from social.platforms import PublishError
from social.platforms import PublishPayload
from social.platforms import TokenSet
from social.platforms import client_for
from social.platforms import get_provider
from social.redaction import redact

from .fakes import make_account

JWT = "eyJhbGciOiJFUzI1NksifQ.eyJzdWIiOiJkaWQ6cGxjOmFiYyJ9.c2lnbmF0dXJlLWJ5dGVz"
ACCOUNT_TOKENS = ("own-access-TOKEN-value", "own-refresh-TOKEN-value")


@pytest.mark.parametrize(
    ("text", "expected", "secrets"),
    [
        # The account's own tokens, wherever they are and however they are framed.
        ("Unknown token own-access-TOKEN-value", "Unknown token [redacted]", ACCOUNT_TOKENS),
        ("rotated:own-refresh-TOKEN-value!", "rotated:[redacted]!", ACCOUNT_TOKENS),
        # A secret that contains another is replaced whole, not in pieces.
        ("got abcdef-123456", "got [redacted]", ("abcdef", "abcdef-123456")),
        # An empty, missing or too short secret replaces nothing (it is not a credential).
        ("a b c", "a b c", ("", None, "b")),
        # Query strings and form bodies.
        ("GET /feed?access_token=EAAB1234&fields=id", "GET /feed?access_token=[redacted]&fields=id", ()),
        (
            "refresh_token=r-123&grant_type=refresh_token",
            "refresh_token=[redacted]&grant_type=refresh_token",
            (),
        ),
        ("client_id=abc&client_secret=s3cr3t", "client_id=abc&client_secret=[redacted]", ()),
        ("/callback?code=AQT-oauth-code&state=xyz", "/callback?code=[redacted]&state=xyz", ()),
        ("code_verifier=pkce-verifier-value", "code_verifier=[redacted]", ()),
        ("id_token=abc.def.ghi; token=tok123", "id_token=[redacted]; token=[redacted]", ()),
        ("fb_exchange_token=short-lived", "fb_exchange_token=[redacted]", ()),
        ("ACCESS_TOKEN=upper", "ACCESS_TOKEN=[redacted]", ()),
        ("password=hunter22 key=abcd", "password=[redacted] key=[redacted]", ()),
        # Words ending in a secret's name are not secrets.
        ("status_code=400 error_code=190 next_token=7", "status_code=400 error_code=190 next_token=7", ()),
        # JSON and Python reprs of token answers.
        (
            '{"access_token": "at-1", "expires_in": 3600}',
            '{"access_token": "[redacted]", "expires_in": 3600}',
            (),
        ),
        ("{'refresh_token': 'rt-1'}", "{'refresh_token': '[redacted]'}", ()),
        ('{"client_secret":"cs"}', '{"client_secret":"[redacted]"}', ()),
        (
            '{"accessJwt": "a", "refreshJwt": "b"}',
            '{"accessJwt": "[redacted]", "refreshJwt": "[redacted]"}',
            (),
        ),
        ('{"code": "DUPLICATE_POST", "status": 422}', '{"code": "DUPLICATE_POST", "status": 422}', ()),
        # Authorization headers and bearer tokens.
        ("Authorization: Bearer abc.DEF-123", "Authorization: Bearer [redacted]", ()),
        ("{'Authorization': 'Bearer abc'}", "{'Authorization': 'Bearer [redacted]'}", ()),
        ("{'authorization': 'Basic dXNlcjpwYXNz'}", "{'authorization': 'Basic [redacted]'}", ()),
        ("Authorization: raw-credential", "Authorization: [redacted]", ()),
        ("sent bearer xyz~+/=", "sent bearer [redacted]", ()),
        (
            "did not accept the authorization: the code expired",
            "did not accept the authorization: the code expired",
            (),
        ),
        # Credentials recognisable by their shape.
        (f"session {JWT} expired", "session [redacted] expired", ()),
        ("Google said ya29.a0AfB_byC-token", "Google said [redacted]", ()),
        ("refresh 1//0gLongRefreshToken_value", "refresh [redacted]", ()),
        ("page token EAABsbCS1iHgBAKZCZBabcdefghij", "page token [redacted]", ()),
        ("postgres://app:pa55word@db:5432/x", "postgres://app:[redacted]@db:5432/x", ()),
        # Nothing to hide: the text is unchanged.
        ("X answered HTTP 503 to create the post", "X answered HTTP 503 to create the post", ()),
        # Redacting twice changes nothing more.
        (
            "access_token=[redacted]&Authorization: Bearer [redacted]",
            "access_token=[redacted]&Authorization: Bearer [redacted]",
            (),
        ),
    ],
)
def test_redact(text, expected, secrets):
    assert redact(text, secrets) == expected


# --- Every path that turns a platform's answer into a message goes through it -----------------------
# A credential the code does not know as a secret (someone else's token, a session JWT) is scrubbed only
# by the shared patterns, so these fail if a path keeps a redaction of its own.

LEAKY = f"session {JWT} failed; Authorization: Bearer someone-elses-token"


def assert_scrubbed(text: str) -> None:
    assert "[redacted]" in text
    assert JWT not in text and "someone-elses-token" not in text


@pytest.mark.django_db
def test_redact__a_platform_clients_error_message(user):
    account = make_account(user, platform=Platform.TWITTER)
    with responses.RequestsMock() as wire:
        wire.post("https://api.x.com/2/tweets", status=400, json={"detail": LEAKY, "status": 400})
        with pytest.raises(PublishError) as caught:
            client_for(account).publish(PublishPayload(text="hello"))
    assert_scrubbed(caught.value.message)


def test_redact__an_oauth_providers_error_message(oauth_apps):
    with responses.RequestsMock() as wire:
        wire.get("https://api.linkedin.com/v2/userinfo", status=401, json={"message": LEAKY, "status": 401})
        with pytest.raises(OAuthConnectError) as caught:
            get_provider("LINKEDIN").connectable_accounts(TokenSet("li-access-token"))
    assert_scrubbed(str(caught.value))
