"""The scenarios of sandbox.feature: the real command and client, the Sandbox served over HTTP."""

import pytest
from pytest_bdd import scenarios

from .sandbox_steps import *  # noqa: F403  (the Sandbox's steps)

# The live server and the publisher's worker threads use their own connections: committed rows only.
pytestmark = pytest.mark.django_db(transaction=True)

scenarios("sandbox.feature")
