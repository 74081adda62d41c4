from __future__ import annotations

import pytest

from social.models import Platform, SocialAccount

pytestmark = pytest.mark.django_db

ACCESS = "EAAB-page-access-token-PLAINTEXT"
REFRESH = "refresh-token-PLAINTEXT"


def test_admin__never_shows_a_token(client, staff_user):
    account = SocialAccount.objects.create(
        platform=Platform.FACEBOOK,
        external_id="1234",
        name="My Page",
        owner=staff_user,
        access_token=ACCESS,
        refresh_token=REFRESH,
    )
    client.force_login(staff_user)
    for url in (
        "/admin/social/socialaccount/",
        f"/admin/social/socialaccount/{account.pk}/change/",
        "/admin/social/socialaccount/?q=My",
    ):
        response = client.get(url)
        assert response.status_code == 200
        body = response.content.decode()
        assert "My Page" in body
        assert ACCESS not in body and REFRESH not in body and "enc:v1:" not in body
