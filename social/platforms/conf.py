"""The ``<P>_*`` settings, as each platform's spec declares them; read by ``config/settings/base.py``.

Runs while the settings module is being read: it imports the platforms' specs (plain data) and nothing of
their code, and reads no Django setting.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import environ

from .registry import enabled_entries, spec_of


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
