"""The scenarios of trigger.feature, against the real command, trigger, database and platform clients."""

import pytest
from pytest_bdd import scenarios

# The publisher's worker threads use their own database connections: they must see committed rows.
pytestmark = pytest.mark.django_db(transaction=True)

scenarios("trigger.feature")
