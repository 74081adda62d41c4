"""The network's pages: its accounts, each timeline (with the scheduler's record of each id) and its media.
Staff only; never a token."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime

import pytest
from django.core.files.base import ContentFile

from calendar_app.models import AccountStatus
from calendar_app.models import PostStatus
from social.platforms.sandbox.models import Fault
from social.platforms.sandbox.models import SandboxMedia
from social.platforms.sandbox.models import SandboxPost
from tests.calendar_app.factories import make_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client, staff_user):
    client.force_login(staff_user)
    client.cookies["viewer_tz"] = "America/New_York"
    return client


@pytest.fixture
def acme(on_network):
    return on_network("acme")


@pytest.mark.parametrize("path", ["/sandbox/", "/sandbox/acme/", "/sandbox/media/m_1/"])
def test_pages__are_for_signed_in_staff(client, acme, path):
    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_timeline__shows_each_post_in_the_viewers_zone_with_its_id_and_the_record_that_names_it(
    staff, acme, connected, user
):
    account = connected(acme)
    recorded = SandboxPost.objects.create(
        account=acme, text="Launch day\nsee you there", created_at=datetime(2026, 7, 1, 13, 30, 5, tzinfo=UTC)
    )
    stray = SandboxPost.objects.create(
        account=acme, text="Made twice", created_at=datetime(2026, 7, 1, 13, 31, tzinfo=UTC)
    )
    post = make_post(user, accounts={account: AccountStatus.PUBLISHED}, status=PostStatus.PUBLISHED)
    post.post_accounts.update(platform_post_id=recorded.pk)

    page = staff.get("/sandbox/acme/").content.decode()

    assert "2026-07-01 09:30:05 EDT" in page and "2026-07-01 09:31:00 EDT" in page
    assert "Launch day<br>see you there" in page
    assert f'<code class="sandbox-post-id">{recorded.pk}</code>' in page
    assert f'href="/admin/calendar_app/scheduledpost/{post.pk}/change/">post {post.pk}</a>' in page
    assert page.index(stray.pk) < page.index(recorded.pk)  # newest first
    assert page.count("No record in the scheduler names this id") == 1
    assert 'http-equiv="refresh"' in page
    assert "Sandbox" in page
    assert account.access_token not in page and account.refresh_token not in page


def test_timeline__shows_text_as_text(staff, acme):
    SandboxPost.objects.create(account=acme, text="<script>alert(1)</script>")

    page = staff.get("/sandbox/acme/").content.decode()

    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_timeline__says_which_fault_the_account_has(staff, on_network):
    on_network("flaky", fault=Fault.LOSE_ANSWER, fault_remaining=2)

    page = staff.get("/sandbox/flaky/").content.decode()

    assert "fault: Make the post, then lose the answer (the caller times out) (next 2 post calls)" in page


def test_timeline__of_an_unknown_account_is_404(staff, acme):
    assert staff.get("/sandbox/nobody/").status_code == 404


def test_index__lists_the_accounts_with_their_timelines_and_the_connect_button(staff, acme):
    SandboxPost.objects.create(account=acme, text="one")

    page = staff.get("/sandbox/").content.decode()

    assert 'href="/sandbox/acme/">@acme</a>' in page
    assert 'href="/social/connect/sandbox/">Connect Sandbox account</a>' in page


def test_media__a_complete_upload_is_served_with_its_type(staff, acme):
    media = SandboxMedia.objects.create(account=acme, kind="image", content_type="image/png", total_bytes=3)
    media.file.save("x.png", ContentFile(b"PNG"))

    response = staff.get(f"/sandbox/media/{media.pk}/")

    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == b"PNG"


def test_media__an_incomplete_upload_is_404(staff, acme):
    media = SandboxMedia.objects.create(account=acme, kind="image", content_type="image/png")

    assert staff.get(f"/sandbox/media/{media.pk}/").status_code == 404
