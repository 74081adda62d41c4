"""The planning admin pages through Django's test client: schedules and queue, series, import, export."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from calendar_app.models import PostStatus
from calendar_app.models import ScheduledPost
from planning.models import PostImport
from planning.models import PostingSchedule
from planning.models import QueueEntry
from planning.models import RecurringSeries
from planning.models import SeriesOccurrence
from planning.services.queue import queue_add

from .factories import every_day
from .factories import make_group
from .factories import make_schedule
from .factories import write_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client, django_user_model):
    user = django_user_model.objects.create_superuser(username="planner-admin", password="pw-admin-1")
    client.force_login(user)
    return user


def inline_management(prefix: str, total: int) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def test_schedule_add__with_slots_then_the_change_page_shows_next_slots_and_queue(client, staff, x_account):
    response = client.post(
        "/admin/planning/postingschedule/add/",
        {
            "name": "X mornings",
            "account": x_account.pk,
            "timezone": "Asia/Kolkata",
            **inline_management("slots", 2),
            "slots-0-weekday": "0",
            "slots-0-time": "09:00",
            "slots-1-weekday": "3",
            "slots-1-time": "18:30",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    schedule = PostingSchedule.objects.get()
    assert [(slot.weekday, slot.time) for slot in schedule.slots.all()] == [
        (0, time(9, 0)),
        (3, time(18, 30)),
    ]

    post = write_post(staff, x_account, text="Queued from the admin test")
    queue_add(post_id=post.pk)
    page = client.get(f"/admin/planning/postingschedule/{schedule.pk}/change/").content.decode()
    assert "Next slots (Asia/Kolkata)" in page and " IST" in page
    assert "Queued from the admin test" in page


def test_schedule_add__needs_an_account_or_a_group(client, staff, x_account):
    response = client.post(
        "/admin/planning/postingschedule/add/",
        {"name": "Nobody's", "timezone": "UTC", **inline_management("slots", 0)},
    )
    assert response.status_code == 200
    assert (
        "Choose the schedule&#x27;s account or its account group (one of them)." in response.content.decode()
    )


def test_schedule_queue__move_down_and_pause_from_the_admin(client, staff, x_account, linkedin_account):
    schedule = make_schedule(
        group=make_group("Brand A", x_account, linkedin_account), slots=every_day(time(9, 0))
    )
    first, second = (write_post(staff, x_account, text=f"Post {n}") for n in (1, 2))
    for post in (first, second):
        queue_add(post_id=post.pk)
    before = {post.pk: ScheduledPost.objects.get(pk=post.pk).scheduled_at for post in (first, second)}
    response = client.post(f"/admin/planning/postingschedule/{schedule.pk}/queue/{first.pk}/down/")
    assert response.status_code == 302
    after = {post.pk: ScheduledPost.objects.get(pk=post.pk).scheduled_at for post in (first, second)}
    assert after == {first.pk: before[second.pk], second.pk: before[first.pk]}
    assert (
        client.get(f"/admin/planning/postingschedule/{schedule.pk}/queue/{first.pk}/down/").status_code == 405
    )

    client.post(
        "/admin/planning/postingschedule/",
        {"action": "pause_schedules", "_selected_action": [schedule.pk]},
    )
    assert set(ScheduledPost.objects.values_list("status", flat=True)) == {PostStatus.DRAFT}
    assert QueueEntry.objects.filter(is_held=True).count() == 2


def series_form(x_account, **changes) -> dict:
    start = timezone.localdate() + timedelta(days=1)
    data = {
        "name": "Weekly tips",
        "content": "Tip #{n}",
        "variants": "",
        "social_accounts": [x_account.pk],
        "timezone": "Europe/Paris",
        "starts_on": start.isoformat(),
        "time": "09:00",
        "rule": "FREQ=DAILY",
        "ends_on": "",
        "count": "3",
        "is_active": "on",
        "metadata": "",
        **inline_management("occurrences", 0),
    }
    data.update(changes)
    return data


def test_series_add__creates_the_series_and_its_posts(client, staff, x_account):
    response = client.post("/admin/planning/recurringseries/add/", series_form(x_account))
    assert response.status_code == 302, response.content.decode()[:3000]
    series = RecurringSeries.objects.get()
    assert series.created_by == staff
    assert list(ScheduledPost.objects.order_by("scheduled_at").values_list("content", flat=True)) == [
        "Tip #1",
        "Tip #2",
        "Tip #3",
    ]
    page = client.get(f"/admin/planning/recurringseries/{series.pk}/change/").content.decode()
    assert "Tip #2" in page and "Skip" in page


def test_series_add__a_variant_too_long_for_x_is_named(client, staff, x_account):
    response = client.post(
        "/admin/planning/recurringseries/add/",
        series_form(x_account, content="", variants="Short one\n---\n" + "y" * 300),
    )
    assert response.status_code == 200
    assert "Variant 2: X: 300 characters" in response.content.decode()
    assert not RecurringSeries.objects.exists()


def test_series_change__edits_upcoming_posts_and_warns_about_duplicates(client, staff, x_account):
    client.post("/admin/planning/recurringseries/add/", series_form(x_account))
    series = RecurringSeries.objects.get()
    response = client.post(
        f"/admin/planning/recurringseries/{series.pk}/change/",
        series_form(x_account, content="Same text"),
        follow=True,
    )
    page = response.content.decode()
    assert "3 upcoming posts changed" in page
    assert "Every post of this series has the same text" in page
    assert set(ScheduledPost.objects.values_list("content", flat=True)) == {"Same text"}


def test_series_skip__from_the_admin(client, staff, x_account):
    client.post("/admin/planning/recurringseries/add/", series_form(x_account))
    series = RecurringSeries.objects.get()
    occurrence = SeriesOccurrence.objects.get(series=series, number=2)
    response = client.post(f"/admin/planning/recurringseries/{series.pk}/skip/{occurrence.pk}/")
    assert response.status_code == 302
    occurrence.refresh_from_db()
    assert occurrence.is_skipped and occurrence.post.status == PostStatus.CANCELLED


CSV_WITH_TWO_BAD_ROWS = (
    "text,accounts,time,timezone\n"
    "Good one,x:@brand_a,2030-03-31 09:00,Europe/Paris\n"
    "Unknown account,x:@nobody,2030-03-31 10:00,Europe/Paris\n"
    "Good two,linkedin:Brand A,2030-03-31 11:00,Europe/Paris\n"
    "Bad time,x:@brand_a,31/03/2030,Europe/Paris\n"
)


def upload(client, text: str, name: str = "march.csv"):
    return client.post(
        "/admin/planning/postimport/add/",
        {
            "file": SimpleUploadedFile(name, text.encode(), content_type="text/csv"),
            "timezone": "Europe/Paris",
        },
    )


def test_import__upload_shows_the_bad_rows_then_imports_the_good_ones_when_asked(
    client, staff, x_account, linkedin_account
):
    response = upload(client, CSV_WITH_TWO_BAD_ROWS)
    assert response.status_code == 302
    post_import = PostImport.objects.get()
    page = client.get(response.url).content.decode()
    assert "Checked 4 rows: 2 to import, 0 already imported, 2 with problems." in page
    assert "No X (Twitter) account is named &#x27;@nobody&#x27;." in page
    assert "&#x27;31/03/2030&#x27; is not a time" in page
    assert not ScheduledPost.objects.exists()

    response = client.post(f"/admin/planning/postimport/{post_import.pk}/import/", {})
    assert "Nothing was imported: 2 rows have problems" in response.content.decode()
    assert not ScheduledPost.objects.exists()

    response = client.post(f"/admin/planning/postimport/{post_import.pk}/import/", {"skip_bad_rows": "on"})
    assert response.status_code == 302
    assert sorted(ScheduledPost.objects.values_list("content", flat=True)) == ["Good one", "Good two"]
    post_import.refresh_from_db()
    assert (post_import.status, post_import.created_count) == (PostImport.Status.IMPORTED, 2)


def test_import__a_file_that_is_not_utf8_is_refused_on_the_form(client, staff):
    response = client.post(
        "/admin/planning/postimport/add/",
        {"file": SimpleUploadedFile("x.csv", "text\nCafé\n".encode("latin-1")), "timezone": "UTC"},
    )
    assert response.status_code == 200 and "is not UTF-8 text" in response.content.decode()
    assert not PostImport.objects.exists()


def test_import__needs_the_permission_to_add_posts(client, django_user_model):
    from tests.calendar_app.factories import make_staff

    clerk = make_staff(django_user_model, "clerk", "add_postimport", "view_postimport")
    client.force_login(clerk)
    assert client.get("/admin/planning/postimport/add/").status_code == 403


def test_export__downloads_posts_with_their_results(client, staff, x_account):
    write_post(
        staff,
        x_account,
        text="Exported",
        at=datetime(2030, 5, 1, 9, 0, tzinfo=timezone.get_fixed_timezone(120)),
    )
    response = client.get(
        "/admin/planning/postimport/export/", {"start": date(2030, 5, 1).isoformat(), "end": "2030-05-01"}
    )
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [(row["text"], row["account"], row["account_status"]) for row in rows] == [
        ("Exported", "twitter:@brand_a", "PENDING")
    ]
    assert "Download CSV" in client.get("/admin/planning/postimport/export/").content.decode()


def test_group_pages_render(client, staff, x_account, linkedin_account):
    make_group("Brand A", x_account, linkedin_account)
    page = client.get("/admin/planning/accountgroup/").content.decode()
    assert "Brand A" in page and "@brand_a" in page
    assert client.get("/admin/planning/accountgroup/add/").status_code == 200


def test_series_change__an_empty_metadata_box_stays_empty(client, staff, x_account):
    client.post("/admin/planning/recurringseries/add/", series_form(x_account))
    page = client.get(
        f"/admin/planning/recurringseries/{RecurringSeries.objects.get().pk}/change/"
    ).content.decode()
    [box] = re.findall(r'<textarea name="metadata"[^>]*>(.*?)</textarea>', page, flags=re.DOTALL)
    assert box.strip() == ""
