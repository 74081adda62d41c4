import pytest

from social.models import Platform
from tests.calendar_app.factories import make_account


@pytest.fixture
def author(django_user_model):
    return django_user_model.objects.create_user(username="planner", password="pw-planner-1")


@pytest.fixture
def x_account(author):
    return make_account(author, platform=Platform.TWITTER, name="@brand_a")


@pytest.fixture
def linkedin_account(author):
    return make_account(
        author, platform=Platform.LINKEDIN, name="Brand A", extra={"author_urn": "urn:li:organization:1"}
    )


@pytest.fixture
def facebook_account(author):
    return make_account(author, platform=Platform.FACEBOOK, name="Brand A Page")
