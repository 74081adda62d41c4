"""The API's tests: real tokens, real users with exactly the permissions they need, real platform
validation (the registered clients), PostgreSQL when DATABASE_URL says so."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import timezone

from api.tokens import api_token_create
from calendar_app.models import ScheduledPost
from social.models import Platform
from social.models import SocialAccount
from tests.calendar_app import factories

_numbers = itertools.count(1)

AUTHOR_PERMISSIONS = ("add_scheduledpost", "change_scheduledpost", "delete_scheduledpost")


def grant(user, *codenames: str):
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return type(user).objects.get(pk=user.pk)  # a fresh object: permissions are cached per instance


class ApiClient:
    """Django's test client speaking JSON with a bearer token."""

    def __init__(self, token: str | None) -> None:
        self.client = Client()
        self.token = token

    def _headers(self, headers: dict | None) -> dict:
        base = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return {**base, **(headers or {})}

    def get(self, path: str, params: dict | None = None, headers: dict | None = None):
        return self.client.get(path, params or {}, headers=self._headers(headers))

    def post(self, path: str, body=None, headers: dict | None = None):
        return self.client.post(
            path,
            {} if body is None else body,
            content_type="application/json",
            headers=self._headers(headers),
        )

    def patch(self, path: str, body: dict, headers: dict | None = None):
        return self.client.patch(path, body, content_type="application/json", headers=self._headers(headers))

    def delete(self, path: str, headers: dict | None = None):
        return self.client.delete(path, headers=self._headers(headers))

    def upload(self, path: str, data: dict, headers: dict | None = None):
        return self.client.post(path, data, headers=self._headers(headers))

    def create_post(self, *accounts, **body):
        """POST /api/v1/posts to ``accounts`` with the rest of the ``body``."""
        return self.post("/api/v1/posts", {"accounts": [account.pk for account in accounts], **body})


@pytest.fixture
def author(django_user_model):
    user = django_user_model.objects.create_user(username="author", password="pw-author-1")
    return grant(user, *AUTHOR_PERMISSIONS)


@pytest.fixture
def other_user(django_user_model):
    user = django_user_model.objects.create_user(username="other", password="pw-other-1")
    return grant(user, *AUTHOR_PERMISSIONS)


def make_token(user, scopes=("read", "write", "publish"), **fields) -> str:
    return api_token_create(user=user, name="test", scopes=scopes, **fields).plaintext


@pytest.fixture
def api(author) -> ApiClient:
    return ApiClient(make_token(author))


@pytest.fixture
def other_api(other_user) -> ApiClient:
    return ApiClient(make_token(other_user))


def make_account(owner, platform: str = Platform.TWITTER, **fields) -> SocialAccount:
    number = next(_numbers)
    fields.setdefault("name", f"{platform.lower()}-{number}")
    return SocialAccount.objects.create(
        platform=platform,
        external_id=f"api-ext-{number}",
        owner=owner,
        access_token=f"access-{number}-SECRET",
        refresh_token=f"refresh-{number}-SECRET",
        **fields,
    )


def make_post(created_by, accounts=(), **fields) -> ScheduledPost:
    """A post with its accounts (a list: PENDING; a dict: account -> status), as the admin's tests make them."""
    return factories.make_post(created_by, accounts=accounts, **fields)


def future(days: float = 1) -> str:
    return (timezone.now() + timedelta(days=days)).replace(microsecond=0).isoformat()


def assert_problem(response, status: int, *, slug: str | None = None) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json"), response["Content-Type"]
    body = response.json()
    assert body["status"] == status
    assert body["title"]
    if slug:
        assert body["type"].endswith(f"#problem-{slug}"), body["type"]
    return body
