"""Who may see and change which posts, and post to which accounts: one home for the admin and the API.

Django's model permissions decide, per person:

- a post is seen by its author, and everyone's by whoever may ``view_scheduledpost`` (or
  ``change_others_scheduledpost``); superusers see everything;
- a post is changed (edited, cancelled, published now, retried, deleted) by whoever may
  ``change_scheduledpost`` and either wrote it or may ``change_others_scheduledpost``;
- posts go to the accounts a person may use (``social.selectors.social_accounts_usable_by``); an account
  already on a post stays on it when someone allowed to change the post edits it.

Anything a person may not see does not exist for them: the API answers 404, the admin leaves it out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q
from django.db.models import QuerySet

from social.models import SocialAccount
from social.selectors import social_accounts_usable_by

from .models import ScheduledPost

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser

    User = AbstractBaseUser | AnonymousUser

SEES_EVERY_POST = ("calendar_app.view_scheduledpost", "calendar_app.change_others_scheduledpost")


def user_sees_every_post(user: User) -> bool:
    return user.is_active and any(user.has_perm(permission) for permission in SEES_EVERY_POST)


def post_visible_q(*, user: User) -> Q:
    """The posts ``user`` may see, as a filter."""
    if not user.is_active or not user.is_authenticated:
        return Q(pk__in=[])
    if user_sees_every_post(user):
        return Q()
    return Q(created_by_id=user.pk)


def posts_visible_to(
    *, user: User, queryset: QuerySet[ScheduledPost] | None = None
) -> QuerySet[ScheduledPost]:
    queryset = ScheduledPost.objects.all() if queryset is None else queryset
    return queryset.filter(post_visible_q(user=user))


def post_change_allowed(*, user: User, post: ScheduledPost | None) -> bool:
    """Django's change permission, and for another person's post, ``change_others_scheduledpost``.

    ``post`` None: whether ``user`` may change posts at all (their own).
    """
    return user.has_perm("calendar_app.change_scheduledpost") and (
        post is None
        or post.created_by_id == user.pk
        or user.has_perm("calendar_app.change_others_scheduledpost")
    )


def post_add_allowed(*, user: User) -> bool:
    return user.has_perm("calendar_app.add_scheduledpost")


def post_account_choices(*, user: User, post: ScheduledPost | None = None) -> QuerySet[SocialAccount]:
    """The accounts ``user`` may choose for ``post`` (a new post when None): the accounts they may use, and
    the accounts already on the post. Without tokens."""
    usable = Q(pk__in=social_accounts_usable_by(user=user).values("pk"))
    if post is not None and post.pk:
        usable |= Q(pk__in=post.post_accounts.values("account_id"))
    return SocialAccount.objects.without_tokens().filter(usable)
