"""The steps every feature shares, in the words of the people who schedule posts and run the publisher.

Posts and accounts are real rows; the publisher is the real ``publish_due_posts`` command (or the HTTP
trigger through Django's test client); the platform clients and X's OAuth provider are the real ones. Only
the platforms' HTTP APIs are simulated, at the wire (``features/platforms.py``). The steps live in one
module per topic, imported here so every feature may use them.
"""

from __future__ import annotations

import pytest
import responses

from .account_steps import *  # noqa: F403  (connected accounts and their tokens)
from .admin_page_steps import *  # noqa: F403  (a post's page in the admin)
from .planning_steps import *  # noqa: F403  (account groups, posting schedules, the planner's clock)
from .platform_steps import *  # noqa: F403  (what the platforms answer and what reached them)
from .platforms import SimulatedPlatforms
from .post_steps import *  # noqa: F403  (the posts and what each of their accounts ended with)
from .publisher_steps import *  # noqa: F403  (the engine's steps: --watch, database connections)
from .run_steps import *  # noqa: F403  (publisher runs, the HTTP trigger, time passing)
from .story import Story


@pytest.fixture
def story() -> Story:
    return Story()


@pytest.fixture(autouse=True)
def platforms():
    """The platforms' APIs at the wire; a request that reaches no platform fails the scenario."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        world = SimulatedPlatforms(mock)
        yield world
        unexpected = world.unexpected_requests()
    assert not unexpected, f"requests no platform answers: {unexpected}"


@pytest.fixture
def author(django_user_model):
    return django_user_model.objects.create_user(username="author", password="pw-author-1")
