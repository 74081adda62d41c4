"""The daily command: one line saying what the service did."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from social.models import Platform
from social.models import SocialAccount

pytestmark = pytest.mark.django_db


def test_refresh_expiring_tokens__says_what_it_refreshed(user, oauth_apps, mocked):
    SocialAccount.objects.create(
        platform=Platform.THREADS,
        external_id="7126419331",
        name="@acme",
        owner=user,
        access_token="THAAold-PLAINTEXT",
        token_expires_at=timezone.now() + timedelta(days=5),
    )
    mocked.get(
        "https://graph.threads.net/refresh_access_token",
        json={"access_token": "THAAnew-PLAINTEXT", "token_type": "bearer", "expires_in": 5_183_944},
    )
    output = StringIO()

    call_command("refresh_expiring_tokens", stdout=output)

    assert output.getvalue() == "Refreshed 1 of 1 expiring tokens (0 need reconnecting, 0 failed for now).\n"
    assert SocialAccount.objects.get().access_token == "THAAnew-PLAINTEXT"
    assert "PLAINTEXT" not in output.getvalue()
