"""The Sandbox's system checks: on with DEBUG off is a warning; a latency that is not a number an error."""

from __future__ import annotations

from social.platforms.sandbox.checks import check_sandbox_latency
from social.platforms.sandbox.checks import check_sandbox_not_in_production


def test_check__the_sandbox_with_debug_off_is_a_warning(settings):
    settings.DEBUG = False

    [warning] = check_sandbox_not_in_production()

    assert warning.id == "sandbox.W001"
    assert "SANDBOX_PLATFORM=false" in warning.hint


def test_check__the_sandbox_in_development_is_fine(settings):
    settings.DEBUG = True

    assert check_sandbox_not_in_production() == []


def test_check__a_latency_that_is_not_a_number_is_an_error(settings):
    settings.SANDBOX_LATENCY_MS = "fast"
    assert [error.id for error in check_sandbox_latency()] == ["sandbox.E001"]

    settings.SANDBOX_LATENCY_MS = "0"
    assert check_sandbox_latency() == []
