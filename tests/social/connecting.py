"""Steps of the connect flow through the pages, as a staff member's browser takes them."""

from __future__ import annotations

from social.models import SocialAccount

from .fakes import CODE
from .fakes import query

ACCOUNT_LIST = "/admin/social/socialaccount/"


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
