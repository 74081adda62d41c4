"""System checks of the API's settings."""

from django.conf import settings
from django.core.checks import Error
from django.core.checks import register


@register()
def api_rate_limit_check(app_configs, **kwargs):
    limit = getattr(settings, "API_RATE_LIMIT_PER_MINUTE", 0)
    if not isinstance(limit, int) or limit < 0:
        return [
            Error(
                f"API_RATE_LIMIT_PER_MINUTE must be 0 (no limit) or a positive whole number, not {limit!r}.",
                id="api.E001",
            )
        ]
    return []
