"""Recurring series: occurrences as posts a window ahead, idempotent runs, edits of the series, skips."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from calendar_app.models import PostStatus
from calendar_app.models import ScheduledPost
from calendar_app.services.post_input import PostInput
from calendar_app.services.posts import post_update
from planning.models import SeriesOccurrence
from planning.services.recurrence import SeriesInput
from planning.services.recurrence import occurrence_edit
from planning.services.recurrence import occurrence_skip
from planning.services.recurrence import series_create
from planning.services.recurrence import series_input_check
from planning.services.recurrence import series_materialize
from planning.services.recurrence import series_occurrence_instants
from planning.services.recurrence import series_skip
from planning.services.recurrence import series_update
from social.models import SocialAccount
from social.models import SocialAccountStatus

from ..concurrency import run_together

pytestmark = pytest.mark.django_db

# Monday 25 March 2030, 08:00 in Paris; the series posts on Mondays and Thursdays at 09:00.
NOW = datetime(2030, 3, 25, 7, 0, tzinfo=UTC)
MONDAYS_AND_THURSDAYS = "FREQ=WEEKLY;BYDAY=MO,TH"
# Within 14 days of NOW: Mon 25, Thu 28 (CET), Mon 1, Thu 4 (CEST) and Mon 8 April 09:00 Paris.
FIRST_FIVE = [
    datetime(2030, 3, 25, 8, 0, tzinfo=UTC),
    datetime(2030, 3, 28, 8, 0, tzinfo=UTC),
    datetime(2030, 4, 1, 7, 0, tzinfo=UTC),
    datetime(2030, 4, 4, 7, 0, tzinfo=UTC),
    datetime(2030, 4, 8, 7, 0, tzinfo=UTC),
]


@pytest.fixture(autouse=True)
def two_week_window(settings):
    settings.PLANNING_RECURRENCE_WINDOW_DAYS = 14


@pytest.fixture
def series_input(x_account, linkedin_account):
    return SeriesInput(
        name="Weekly tips",
        content="Tip #{n} of the week",
        account_ids=(x_account.pk, linkedin_account.pk),
        timezone_name="Europe/Paris",
        starts_on=date(2030, 3, 25),
        time=time(9, 0),
        rule=MONDAYS_AND_THURSDAYS,
        count=10,
    )


def posts_of(series) -> list[ScheduledPost]:
    return list(ScheduledPost.objects.filter(series_occurrence__series=series).order_by("scheduled_at"))


def test_series_create__makes_the_window_s_occurrences_as_scheduled_posts(
    author, series_input, x_account, linkedin_account
):
    series = series_create(created_by=author, data=series_input, now=NOW)
    posts = posts_of(series)
    assert [post.scheduled_at for post in posts] == FIRST_FIVE
    assert [post.content for post in posts] == [f"Tip #{n} of the week" for n in range(1, 6)]
    assert {post.status for post in posts} == {PostStatus.SCHEDULED}
    assert {post.timezone for post in posts} == {"Europe/Paris"}
    assert {post.created_by for post in posts} == {author}
    for post in posts:
        assert set(post.post_accounts.values_list("account_id", flat=True)) == {
            x_account.pk,
            linkedin_account.pk,
        }


def test_series_create__text_variants_in_turn_with_the_date(author, series_input):
    data = replace(
        series_input,
        content="",
        text_variants=("Monday motivation {date}", "Thursday tip {date}", "Bonus {n}"),
    )
    series = series_create(created_by=author, data=data, now=NOW)
    assert [post.content for post in posts_of(series)] == [
        "Monday motivation 2030-03-25",
        "Thursday tip 2030-03-28",
        "Bonus 3",
        "Monday motivation 2030-04-04",
        "Thursday tip 2030-04-08",
    ]


def test_series_materialize__is_idempotent_and_rolls_the_window_forward(author, series_input):
    series = series_create(created_by=author, data=series_input, now=NOW)
    assert series_materialize(now=NOW).created == 0
    assert series_materialize(now=NOW, series_id=series.pk).created == 0
    # Each week the window reaches two more; the count (10) is never passed.
    assert series_materialize(now=NOW + timedelta(days=7)).created == 2
    assert series_materialize(now=NOW + timedelta(days=14)).created == 2
    assert series_materialize(now=NOW + timedelta(days=21)).created == 1
    assert series_materialize(now=NOW + timedelta(days=28)).created == 0
    posts = posts_of(series)
    assert len(posts) == 10 and len({post.content for post in posts}) == 10


def test_series_materialize__a_run_with_nothing_to_do_reads_one_query(
    author, series_input, django_assert_num_queries
):
    series_create(created_by=author, data=series_input, now=NOW)
    with django_assert_num_queries(1):
        series_materialize(now=NOW + timedelta(hours=1))


def test_series_materialize__an_occurrence_made_by_another_run_is_not_made_again(author, series_input):
    """The unique constraint behind the series lock: a second maker of the same instant creates nothing."""
    from planning.services.recurrence import _occurrence_create

    series = series_create(created_by=author, data=series_input, now=NOW)
    before = ScheduledPost.objects.count()
    account_ids = list(series.accounts.values_list("pk", flat=True))
    assert _occurrence_create(series, number=1, instant=FIRST_FIVE[0], account_ids=account_ids) is None
    assert ScheduledPost.objects.count() == before


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_series_materialize__two_concurrent_runs_make_each_occurrence_once(author, series_input, settings):
    series = series_create(created_by=author, data=replace(series_input, count=40), now=NOW)
    settings.PLANNING_RECURRENCE_WINDOW_DAYS = 120
    summaries = run_together(lambda: series_materialize(now=NOW))
    horizon = NOW + timedelta(days=120)
    expected = len([instant for _, instant in series_occurrence_instants(series, after=NOW, until=horizon)])
    assert expected > 30
    assert sum(summary.created for summary in summaries) == expected - 5
    posts = posts_of(series)
    assert len(posts) == expected == len({post.scheduled_at for post in posts})
    assert SeriesOccurrence.objects.filter(series=series).count() == expected


def test_series_update__changes_only_future_unpublished_unedited_occurrences(author, series_input):
    series = series_create(created_by=author, data=series_input, now=NOW)
    published, edited, skipped, untouched, later = posts_of(series)
    ScheduledPost.objects.filter(pk=published.pk).update(status=PostStatus.PUBLISHED)
    # Edited on its own in the post admin (through the post service), and one skipped.
    post_update(
        post_id=edited.pk,
        data=PostInput(
            content="Special edition",
            account_ids=tuple(edited.post_accounts.values_list("account_id", flat=True)),
            timezone_name="Europe/Paris",
            local_time=datetime(2030, 3, 28, 9, 0),
            status=PostStatus.SCHEDULED,
        ),
    )
    occurrence_skip(occurrence_id=SeriesOccurrence.objects.get(post=skipped).pk)

    summary = series_update(
        series_id=series.pk,
        data=replace(series_input, content="Tip {n}: new wording"),
        now=NOW + timedelta(minutes=30),
    )
    texts = {post.pk: post.content for post in ScheduledPost.objects.all()}
    assert texts[published.pk] == "Tip #1 of the week"
    assert texts[edited.pk] == "Special edition"
    assert texts[skipped.pk] == "Tip #3 of the week"
    assert texts[untouched.pk] == "Tip 4: new wording"
    assert texts[later.pk] == "Tip 5: new wording"
    assert ScheduledPost.objects.get(pk=skipped.pk).status == PostStatus.CANCELLED
    assert (summary.updated, summary.removed, summary.created) == (2, 0, 0)


def test_series_update__a_new_rule_replaces_unedited_occurrences_and_keeps_edited_ones(author, series_input):
    series = series_create(created_by=author, data=series_input, now=NOW)
    occurrence = SeriesOccurrence.objects.get(series=series, number=2)
    occurrence_edit(
        occurrence_id=occurrence.pk,
        data=PostInput(
            content="Tip 2, hand-written",
            account_ids=series_input.account_ids,
            timezone_name="Europe/Paris",
            local_time=datetime(2030, 3, 28, 9, 0),
            status=PostStatus.SCHEDULED,
        ),
    )
    # From Mondays and Thursdays to Tuesdays at 12:00, decided on Monday the 25th at 10:00 (after #1 went out).
    later = datetime(2030, 3, 25, 9, 0, tzinfo=UTC)
    summary = series_update(
        series_id=series.pk,
        data=replace(series_input, rule="FREQ=WEEKLY;BYDAY=TU", time=time(12, 0)),
        now=later,
    )
    remaining = posts_of(series)
    assert [(post.scheduled_at, post.content) for post in remaining] == [
        (FIRST_FIVE[0], "Tip #1 of the week"),  # already due: history
        (datetime(2030, 3, 26, 11, 0, tzinfo=UTC), "Tip #1 of the week"),
        (FIRST_FIVE[1], "Tip 2, hand-written"),
        (datetime(2030, 4, 2, 10, 0, tzinfo=UTC), "Tip #2 of the week"),
    ]
    assert (summary.removed, summary.kept, summary.created) == (3, 1, 2)


def test_series_update__deactivating_removes_unedited_future_posts(author, series_input):
    series = series_create(created_by=author, data=series_input, now=NOW)
    series_update(
        series_id=series.pk, data=replace(series_input, is_active=False), now=NOW + timedelta(hours=2)
    )
    assert [post.scheduled_at for post in posts_of(series)] == FIRST_FIVE[:1]
    assert series_materialize(now=NOW + timedelta(days=3)).created == 0


def test_occurrence_skip__cancels_the_post_and_it_is_never_made_again(author, series_input):
    series = series_create(created_by=author, data=series_input, now=NOW)
    occurrence = SeriesOccurrence.objects.get(series=series, number=2)
    occurrence_skip(occurrence_id=occurrence.pk)
    occurrence.refresh_from_db()
    assert occurrence.is_skipped and occurrence.post.status == PostStatus.CANCELLED
    assert series_materialize(now=NOW, series_id=series.pk).created == 0


def test_occurrence_skip__refuses_one_being_published(author, series_input):
    series = series_create(created_by=author, data=series_input, now=NOW)
    occurrence = SeriesOccurrence.objects.get(series=series, number=1)
    ScheduledPost.objects.filter(pk=occurrence.post_id).update(status=PostStatus.PUBLISHING)
    with pytest.raises(ValidationError, match="publishing"):
        occurrence_skip(occurrence_id=occurrence.pk)
    assert not SeriesOccurrence.objects.get(pk=occurrence.pk).is_skipped


def test_series_skip__an_occurrence_not_made_yet(author, series_input):
    series = series_create(created_by=author, data=series_input, now=NOW)
    sixth = datetime(2030, 4, 11, 7, 0, tzinfo=UTC)
    series_skip(series_id=series.pk, occurs_at=sixth, now=NOW)
    series_materialize(now=NOW + timedelta(days=7))
    assert sixth not in [post.scheduled_at for post in posts_of(series)]
    assert SeriesOccurrence.objects.get(series=series, occurs_at=sixth).number == 6
    with pytest.raises(ValidationError, match="has no occurrence"):
        series_skip(series_id=series.pk, occurs_at=sixth + timedelta(hours=1), now=NOW)


def test_series_materialize__an_account_to_reconnect_makes_a_draft_that_says_why(
    author, series_input, x_account
):
    SocialAccount.objects.filter(pk=x_account.pk).update(status=SocialAccountStatus.NEEDS_RECONNECT)
    series = series_create(created_by=author, data=series_input, now=NOW)
    occurrence = SeriesOccurrence.objects.filter(series=series).first()
    assert occurrence.post.status == PostStatus.DRAFT
    assert "needs reconnecting" in occurrence.problem


def test_series_input_check__names_the_variant_a_platform_refuses(series_input):
    data = replace(series_input, content="", text_variants=("Fine {n}", "x" * 290))
    errors = series_input_check(data=data, now=NOW)
    [message] = errors.pop("__all__")
    assert errors == {} and message.startswith("Variant 2: X: 290 characters")


@pytest.mark.parametrize(
    ("change", "key", "words"),
    [
        ({"count": None}, "__all__", "either on a date or after a number"),
        ({"ends_on": date(2030, 5, 1)}, "__all__", "either on a date or after a number"),
        ({"count": None, "ends_on": date(2030, 1, 1)}, "ends_on", "cannot end before it starts"),
        ({"starts_on": date(2020, 1, 1)}, "rule", "in the past"),
        ({"rule": "FREQ=WEEKLY;COUNT=3"}, "rule", "Count field"),
        ({"timezone_name": "Mars/Olympus"}, "timezone_name", "not a known time zone"),
        ({"account_ids": ()}, "account_ids", "at least one account"),
    ],
)
def test_series_input_check__refuses_bad_input(series_input, change, key, words):
    errors = series_input_check(data=replace(series_input, **change), now=NOW)
    assert any(words in message for message in errors[key]), errors


def test_series_create__the_window_is_counted_in_real_days_whatever_zone_now_is_given_in(
    author, series_input
):
    """14 days after 08:00 Paris time on 25 March is 09:00 Paris time on 8 April (the clocks sprang forward),
    so the 09:00 post of 8 April is inside the window."""
    series = series_create(created_by=author, data=series_input, now=NOW.astimezone(ZoneInfo("Europe/Paris")))
    assert [post.scheduled_at for post in posts_of(series)] == FIRST_FIVE
