"""What the publisher's rule-by-rule tests share: one run in the test's thread, and reading rows back."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from calendar_app.models import ScheduledPost, ScheduledPostAccount
from calendar_app.publisher import PublishRunSummary, publish_due_posts
from social.models import SocialAccount
from social.platforms import OAuthProvider


class NoRefreshProvider(OAuthProvider):
    platform = "LINKEDIN"
    supports_refresh = False


def run(**options) -> PublishRunSummary:
    options.setdefault("concurrency", 1)
    return publish_due_posts(**options)


def make_due_again(post: ScheduledPost) -> None:
    """Skip the backoff wait: the retry is due now."""
    ScheduledPost.objects.filter(pk=post.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))


def post_account(post: ScheduledPost, account: SocialAccount) -> ScheduledPostAccount:
    return ScheduledPostAccount.objects.get(post=post, account=account)
