"""System checks of the Sandbox, registered only while it is installed (SANDBOX_PLATFORM on)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error
from django.core.checks import Warning
from django.core.checks import register


@register()
def check_sandbox_not_in_production(app_configs=None, **kwargs):
    """The Sandbox is for trying the product: on a site with DEBUG off it is most likely there by mistake."""
    if settings.DEBUG:
        return []
    return [
        Warning(
            "The Sandbox platform is on while DEBUG is off: this site serves a simulated social network at "
            "/sandbox/ and offers staff to connect and publish to it.",
            hint="Set SANDBOX_PLATFORM=false unless this is a demonstration site.",
            id="sandbox.W001",
        )
    ]


@register()
def check_sandbox_latency(app_configs=None, **kwargs):
    value = str(settings.SANDBOX_LATENCY_MS).strip()
    if value.isdigit():
        return []
    return [
        Error(
            f"SANDBOX_LATENCY_MS must be a whole number of milliseconds, not {value!r}.",
            hint="For example 150; 0 answers at once.",
            id="sandbox.E001",
        )
    ]
