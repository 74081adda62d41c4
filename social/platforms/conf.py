"""The settings that depend on which platforms are enabled, as their specs declare them: each one's
``<P>_*`` settings, and the Django apps of those that have one. Read by ``config/settings/base.py`` (and
again by ``development.py``, which turns the Sandbox on by default).

Runs while the settings module is being read: it imports the enabled platforms' specs (plain data) and
nothing of their code, and reads no Django setting.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import environ

from .registry import enabled_entries
from .registry import spec_of


def platform_settings(env: environ.Env, defined: Mapping[str, Any]) -> dict[str, str]:
    """Every enabled platform's settings from the environment, else their declared defaults.

    ``defined``: the settings read so far; a platform's enabling setting is looked up there, and a default
    may name them (and the settings of platforms listed before it) in braces.
    """
    values: dict[str, str] = {}
    for spec in map(spec_of, enabled_entries(lambda name: defined.get(name, False))):
        for setting in spec.settings:
            name = spec.setting_name(setting.suffix)
            values[name] = env.str(name, default=setting.default.format_map({**defined, **values}))
    return values


def platform_apps(defined: Mapping[str, Any]) -> list[str]:
    """The Django app of every enabled platform that has one (the Sandbox's network), in registry order."""
    specs = map(spec_of, enabled_entries(lambda name: defined.get(name, False)))
    return [spec.django_app for spec in specs if spec.django_app]


def platform_configuration(env: environ.Env, defined: Mapping[str, Any]) -> dict[str, Any]:
    """What the enabled platforms add to the settings read so far (``defined``): their ``<P>_*`` settings and
    ``INSTALLED_APPS`` with their apps. Applying it again after turning a platform on adds that one's."""
    installed = list(defined.get("INSTALLED_APPS", []))
    return {
        **platform_settings(env, defined),
        "INSTALLED_APPS": installed + [app for app in platform_apps(defined) if app not in installed],
    }
