from __future__ import annotations

import pytest

from calendar_app.models import ErrorKind
from calendar_app.models import PublishAttempt
from calendar_app.models import ScheduledPostAccount
from social.platforms import ErrorKind as PlatformErrorKind
from social.platforms import PublishError


def test_error_kind__records_each_platform_kind_as_it_is_and_the_publishers_missed_and_quota():
    recorded = [(kind.value, kind.label) for kind in ErrorKind]
    assert recorded == [
        *((kind.value, kind.label) for kind in PlatformErrorKind),
        ("MISSED", "Missed"),
        ("QUOTA", "Over quota (deferred)"),
    ]
    for model in (ScheduledPostAccount, PublishAttempt):
        assert model._meta.get_field("error_kind").choices == ErrorKind.choices


def test_error_kind__missed_is_no_platform_calls_outcome():
    """A post due too long ago is the publisher's call to make; a client never reports it."""
    assert "MISSED" not in PlatformErrorKind.values
    with pytest.raises(ValueError):
        PublishError("MISSED", "too late")
