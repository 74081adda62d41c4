import pytest

from calendar_app.models import AccountStatus as A
from calendar_app.models import PostStatus as P
from calendar_app.rules import post_status_rollup


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([A.PUBLISHED, A.PUBLISHED], P.PUBLISHED),
        ([A.PUBLISHED, A.FAILED], P.PARTIALLY_PUBLISHED),
        ([A.PUBLISHED, A.NEEDS_REVIEW], P.PARTIALLY_PUBLISHED),
        ([A.FAILED, A.NEEDS_REVIEW], P.FAILED),
        ([A.FAILED], P.FAILED),
        ([A.PUBLISHED, A.PENDING], None),
        ([A.PUBLISHING, A.FAILED], None),
        ([], None),
    ],
)
def test_post_status_rollup(statuses, expected):
    assert post_status_rollup(statuses) == expected
