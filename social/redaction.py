"""One scrubbing of secrets out of text a person or an operator will read.

Messages are built from what platforms, token endpoints and HTTP libraries answered, and any of them may
echo a credential: a URL with ``access_token=`` in its query, a request's ``Authorization`` header, a JSON
token answer, a JWT session. Every error message, log line and stored ``error_message`` that carries such
text goes through ``redact`` first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

REDACTED = "[redacted]"

# Shorter values are not credentials; replacing them would garble the message (and show them by the gaps).
MIN_SECRET_LENGTH = 4

# Names under which credentials travel in query strings and form bodies (the OAuth ``code`` too) ...
_PARAMETER_NAMES = (
    r"access_token|refresh_token|id_token|token|client_secret|client_assertion|code|code_verifier"
    r"|fb_exchange_token|input_token|password|app_password|api_key|apikey|key|secret"
)
# ... and in JSON, where ``code`` and ``key`` are ordinary words ({"code": "DUPLICATE_POST"}).
_JSON_NAMES = (
    r"access_token|refresh_token|id_token|token|client_secret|code_verifier|password|app_password"
    r"|api_key|secret|accessJwt|refreshJwt"
)
# A value up to the next separator; one already redacted is left alone.
_VALUE = r"(?!\[redacted\])[^&\s'\",;)}\]]+"
_AUTH_SCHEMES = r"(?i:bearer|basic|token|digest|oauth|dpop|bot)\s+"

# (pattern, replacement), applied in order after the known secrets.
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # "access_token": "…" in a JSON (or Python repr) body.
    (
        re.compile(rf"""(?i)(["'](?:{_JSON_NAMES})["']\s*:\s*)(["'])(?:(?!\2).)+\2"""),
        rf"\1\2{REDACTED}\2",
    ),
    # access_token=… in a query string or a form body (``status_code=`` is no match: no word boundary).
    (re.compile(rf"(?i)\b({_PARAMETER_NAMES})={_VALUE}"), rf"\1={REDACTED}"),
    # An Authorization header of any scheme (as printed, or as a dict key), and a bearer token anywhere.
    (
        re.compile(
            rf"""(\bAuthorization|(?<=['"])authorization)(['"]?\s*[:=]\s*['"]?)({_AUTH_SCHEMES})?+{_VALUE}"""
        ),
        rf"\1\2\3{REDACTED}",
    ),
    (re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]+"), rf"\1 {REDACTED}"),
    # A JWT (header.payload.signature, both JSON parts base64url of '{"'): Bluesky sessions, id tokens.
    (re.compile(r"\beyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"), REDACTED),
    # Token formats recognisable on their own: Google access (ya29.) and refresh (1//) tokens, Meta's EAA….
    (re.compile(r"\bya29\.[A-Za-z0-9._-]+"), REDACTED),
    (re.compile(r"(?<![\w/])1//[A-Za-z0-9._-]{10,}"), REDACTED),
    (re.compile(r"\bEAA[A-Za-z0-9]{20,}"), REDACTED),
    # The password of a URL's userinfo: scheme://user:password@host.
    (re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://[^/\s:@]+:)[^@\s/]+@"), rf"\1{REDACTED}@"),
)


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """``text`` with every known secret (the account's tokens, a code, a client secret) and every
    credential-shaped value replaced by ``[redacted]``."""
    known = sorted({secret for secret in secrets if secret and len(secret) >= MIN_SECRET_LENGTH}, key=len)
    for secret in reversed(known):  # the longest first: one secret may contain another
        text = text.replace(secret, REDACTED)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text
