"""The scenarios of threads.feature: the real client, provider and publisher against the simulated Threads."""

import pytest
from pytest_bdd import scenarios

from .threads_steps import *  # noqa: F403

# The publisher's worker threads use their own database connections: they must see committed rows.
pytestmark = pytest.mark.django_db(transaction=True)

scenarios("threads.feature")
