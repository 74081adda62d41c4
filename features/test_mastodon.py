"""The scenarios of mastodon.feature, against the real command, database and Mastodon client."""

import pytest
from pytest_bdd import scenarios

# The publisher's worker threads use their own database connections: they must see committed rows.
pytestmark = pytest.mark.django_db(transaction=True)

scenarios("mastodon.feature")
