"""The post list's filters."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime

import pytest

from calendar_app.models import AccountStatus
from calendar_app.models import PostStatus
from social.models import Platform

from ..factories import make_account
from ..factories import make_post
from .pages import LIST

pytestmark = pytest.mark.django_db


def _listed(client, query: str) -> set[int]:
    response = client.get(f"{LIST}?{query}")
    assert response.status_code == 200, response
    return {post.pk for post in response.context["cl"].result_list}


def test_changelist__needs_attention_filter(staff_client, staff_user):
    a, b = make_account(staff_user), make_account(staff_user)
    failed = make_post(staff_user, accounts={a: AccountStatus.FAILED}, status=PostStatus.FAILED)
    partial = make_post(
        staff_user,
        accounts={a: AccountStatus.PUBLISHED, b: AccountStatus.FAILED},
        status=PostStatus.PARTIALLY_PUBLISHED,
    )
    review = make_post(
        staff_user,
        accounts={a: AccountStatus.NEEDS_REVIEW, b: AccountStatus.PENDING},
        status=PostStatus.SCHEDULED,
    )
    make_post(staff_user, accounts={a: AccountStatus.PUBLISHED}, status=PostStatus.PUBLISHED)
    make_post(staff_user, accounts=[a])
    assert _listed(staff_client, "attention=needed") == {failed.pk, partial.pk, review.pk}


def test_changelist__status_platform_account_date_filters_and_search(staff_client, staff_user):
    x, facebook = make_account(staff_user), make_account(staff_user, platform=Platform.FACEBOOK)
    to_x = make_post(
        staff_user, accounts=[x], content="Spring sale", scheduled_at=datetime(2030, 3, 5, tzinfo=UTC)
    )
    to_both = make_post(
        staff_user,
        accounts=[x, facebook],
        status=PostStatus.DRAFT,
        scheduled_at=datetime(2030, 4, 5, tzinfo=UTC),
    )
    to_facebook = make_post(staff_user, accounts=[facebook], scheduled_at=datetime(2030, 4, 6, tzinfo=UTC))
    assert _listed(staff_client, "platform=FACEBOOK") == {to_both.pk, to_facebook.pk}
    assert _listed(staff_client, f"account={x.pk}") == {to_x.pk, to_both.pk}
    assert _listed(staff_client, "status__exact=DRAFT") == {to_both.pk}
    assert _listed(staff_client, "q=spring") == {to_x.pk}
    assert _listed(staff_client, "scheduled_at__year=2030&scheduled_at__month=4") == {
        to_both.pk,
        to_facebook.pk,
    }


def test_changelist__an_unknown_filter_value_is_refused(staff_client, staff_user):
    make_post(staff_user, accounts=[make_account(staff_user)])
    response = staff_client.get(f"{LIST}?platform=MYSPACE")
    assert response.status_code == 302 and response["Location"].endswith("?e=1")
