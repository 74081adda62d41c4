"""The X API at the wire for the client tests: its URLs and the answers it gives."""

from __future__ import annotations

from ..helpers import json_error

API = "https://api.x.com"
TWEETS = f"{API}/2/tweets"
JSON = {"Content-Type": "application/json"}


def created(post_id: str = "1880028106020515840") -> dict:
    return {"status": 201, "json": {"data": {"id": post_id, "text": "…", "edit_history_post_ids": [post_id]}}}


def problem(status: int, title: str, detail: str, type: str = "about:blank", **headers: str) -> dict:
    """An error answer with the problem document X sends: title, detail, type and status."""
    return json_error(status, {"title": title, "detail": detail, "type": type, "status": status}, **headers)
