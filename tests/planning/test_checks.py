"""The planning settings' system checks."""

import pytest

from planning.checks import planning_settings_check


def test_planning_settings_check__defaults_are_fine():
    assert planning_settings_check() == []


@pytest.mark.parametrize(
    ("name", "value", "check_id"),
    [
        ("PLANNING_RECURRENCE_WINDOW_DAYS", 0, "planning.E001"),
        ("PLANNING_RECURRENCE_WINDOW_DAYS", 400, "planning.E001"),
        ("PLANNING_IMPORT_MAX_ROWS", 0, "planning.E002"),
    ],
)
def test_planning_settings_check__names_a_bad_setting(settings, name, value, check_id):
    setattr(settings, name, value)
    [error] = planning_settings_check()
    assert error.id == check_id and name in error.msg and repr(value) in error.msg
