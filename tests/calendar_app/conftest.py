import pytest

from .factories import fake_clients_registered


@pytest.fixture
def fake_clients():
    """Fake X, Facebook and YouTube clients (their validation only) in the client registry."""
    with fake_clients_registered():
        yield
