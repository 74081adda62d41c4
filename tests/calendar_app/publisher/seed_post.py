"""Make one due post to one (fake) X account in the database of DATABASE_URL; print its id.

``python -m tests.calendar_app.publisher.seed_post TEXT``: for tests whose database is not the test
database (a private PostgreSQL cluster that the test restarts).
"""

from __future__ import annotations

import sys


def main() -> None:
    import django

    django.setup()

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from calendar_app.models import PostStatus
    from calendar_app.models import ScheduledPost
    from calendar_app.models import ScheduledPostAccount
    from social.models import SocialAccount

    user, _ = get_user_model().objects.get_or_create(username="seed")
    account, _ = SocialAccount.objects.get_or_create(
        platform="TWITTER",
        external_id="seed",
        defaults={"name": "seed", "owner": user, "access_token": "seed-token"},
    )
    post = ScheduledPost.objects.create(
        content=sys.argv[1], scheduled_at=timezone.now(), status=PostStatus.SCHEDULED, created_by=user
    )
    ScheduledPostAccount.objects.create(post=post, account=account)
    print(post.pk)


if __name__ == "__main__":
    main()
