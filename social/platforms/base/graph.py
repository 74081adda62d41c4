"""What Facebook Pages and Instagram share: Meta's versioned Graph API host and its error shape."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from typing import ClassVar

import requests
from django.conf import settings

from .client import ErrorKind
from .client import PublishError
from .http import HttpClient
from .http import Step
from .http import excerpt
from .http import retry_after_seconds
from .http import safe_json

# Meta's error codes (developers.facebook.com/docs/graph-api/guides/error-handling; docs/platforms.md).
RETRY_CODES = frozenset({1, 2, 4, 17, 32, 341, 613})
AUTH_CODES = frozenset({102, 190})
DUPLICATE_CODE = 506
# "Temporarily blocked for policies violations": Meta's guide says to wait and retry later, so a long wait.
POLICY_BLOCK_CODE = 368
POLICY_BLOCK_RETRY_SECONDS = 3600.0
# Instagram: the account reached its content publishing limit (50 posts per 24 h).
PUBLISHING_LIMIT_SUBCODE = 2207042
USAGE_HEADERS = ("X-Business-Use-Case-Usage", "X-Page-Usage", "X-App-Usage")
READ_PERMALINK = Step("read the post's permalink")


def regain_access_seconds(headers: requests.structures.CaseInsensitiveDict) -> float | None:
    """The longest ``estimated_time_to_regain_access`` (minutes) in Meta's usage headers, in seconds."""
    minutes: list[float] = []
    for name in USAGE_HEADERS:
        try:
            usage = json.loads(headers.get(name) or "null")
        except ValueError:
            continue
        # X-Business-Use-Case-Usage: {"<business id>": [{...}, ...]}; the others: one flat object.
        entries: list[Any] = []
        if isinstance(usage, dict):
            entries.append(usage)
            for value in usage.values():
                if isinstance(value, list):
                    entries.extend(value)
        for entry in entries:
            value = entry.get("estimated_time_to_regain_access") if isinstance(entry, dict) else None
            if isinstance(value, int | float) and value > 0:
                minutes.append(float(value))
    return max(minutes) * 60 if minutes else None


class GraphClient(HttpClient):
    """Base of the Facebook Page and Instagram clients; not registered itself."""

    # Instagram's media_publish has answered "transient" errors after creating the post
    # (docs/platforms.md, Instagram), so there a transient error on the create call is an unknown outcome.
    transient_create_is_unknown: ClassVar[bool] = False

    def graph_url(self, path: str) -> str:
        return f"{self.api_url}/{settings.FACEBOOK_API_VERSION}/{path.lstrip('/')}"

    def graph_json(self, response: requests.Response, step: Step) -> dict[str, Any]:
        body = self.json_body(response, step)
        if isinstance(body.get("error"), dict):
            raise self.error_from_response(response, step)
        return body

    def publishing_limit_entry(self, edge: str, step: Step) -> dict[str, Any]:
        """What the account's publishing limit ``edge`` says (``quota_usage`` and ``config``, the quota's
        ``quota_total`` and ``quota_duration``); empty when the answer has no entry."""
        response = self.call(
            "GET",
            self.graph_url(f"{self.account.external_id}/{edge}"),
            step=step,
            params={"fields": "quota_usage,config"},
        )
        data = self.graph_json(response, step).get("data")
        entry = data[0] if isinstance(data, list) and data and isinstance(data[0], dict) else {}
        if not isinstance(entry.get("config"), dict):
            entry = {**entry, "config": {}}
        return entry

    def permalink(self, post_id: str) -> str:
        """A published post's permalink if Meta gives it; the post is published either way."""
        try:
            response = self.call(
                "GET", self.graph_url(post_id), step=READ_PERMALINK, params={"fields": "permalink"}
            )
            permalink = self.graph_json(response, READ_PERMALINK).get("permalink")
        except PublishError:
            return ""
        return permalink if isinstance(permalink, str) else ""

    def error_from_response(self, response: requests.Response, step: Step) -> PublishError:
        body = safe_json(response)
        error = body.get("error") if isinstance(body, dict) else None
        if not isinstance(error, dict):
            return self.status_error(response, step, detail=excerpt(response.text))
        code = _int(error.get("code"))
        subcode = _int(error.get("error_subcode"))
        words = error.get("error_user_msg") or error.get("message") or "no message"
        detail = f"{excerpt(words)} (code {code}" + (f", subcode {subcode})" if subcode else ")")
        retry_after = regain_access_seconds(response.headers) or retry_after_seconds(response.headers)
        if code == POLICY_BLOCK_CODE:
            retry_after = max(retry_after or 0.0, POLICY_BLOCK_RETRY_SECONDS)
        return self.status_error(
            response,
            step,
            detail=detail,
            kind=self._kind(response.status_code, code, subcode, error.get("is_transient") is True, step),
            retry_after=retry_after,
        )

    def _kind(
        self, status: int, code: int | None, subcode: int | None, transient: bool, step: Step
    ) -> ErrorKind:
        if code in AUTH_CODES:
            return ErrorKind.AUTH
        if subcode == PUBLISHING_LIMIT_SUBCODE or code == POLICY_BLOCK_CODE:
            # A refusal naming the daily cap, or a temporary block: nothing was published; wait and retry.
            return ErrorKind.TRANSIENT
        if code in RETRY_CODES or transient:
            if step.creates_post and (self.transient_create_is_unknown or status >= 500):
                return ErrorKind.UNKNOWN
            return ErrorKind.TRANSIENT
        if code == DUPLICATE_CODE:
            return ErrorKind.INVALID
        if status >= 500:
            return step.kind_if_maybe_sent
        if status == 401:
            return ErrorKind.AUTH
        if status == 429:
            return ErrorKind.TRANSIENT
        # 10 and 200-299 (permissions), 100 (bad parameter) and the rest.
        return ErrorKind.INVALID


def parse_meta_time(value: Any) -> datetime | None:
    """Meta's timestamps (``2025-01-31T12:00:00+0000``), or ISO 8601 ones."""
    if not isinstance(value, str):
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z")
    except ValueError:
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
