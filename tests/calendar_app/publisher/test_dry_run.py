"""The dry run: what a run would send, account by account, claiming and writing nothing."""

from __future__ import annotations

import pytest

from calendar_app.models import PostStatus
from calendar_app.models import PublishAttempt
from calendar_app.publisher import publish_due_posts

pytestmark = pytest.mark.django_db


# --- dry run --------------------------------------------------------------------------------------


def test_dry_run__lists_what_would_be_sent_and_claims_nothing(fake_platform, make_account, make_post):
    x, facebook = make_account("TWITTER", name="brand"), make_account("FACEBOOK", name="page")
    post = make_post(
        x,
        facebook,
        content="z" * 290,
        metadata={
            "media": [{"url": "https://cdn.example.com/a.jpg", "type": "image", "alt_text": "a cat"}],
            "platforms": {"FACEBOOK": {"content": "Facebook text"}},
        },
    )

    summary = publish_due_posts(dry_run=True)

    text = "\n".join(summary.dry_run_lines)
    assert f"Post {post.pk}: due" in text
    assert "-> X (Twitter): brand:" in text and "-> Facebook Page: page:" in text
    assert "text: 'Facebook text'" in text
    assert "media: image https://cdn.example.com/a.jpg (alt: 'a cat')" in text
    assert "problem: FakeTwitter: 290 characters, the limit is 280" in text
    assert summary.dry_run and summary.processed == 0
    assert fake_platform.calls == []
    post.refresh_from_db()
    assert post.status == PostStatus.SCHEDULED and post.lease_token is None
    assert not PublishAttempt.objects.exists()
