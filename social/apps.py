from django.apps import AppConfig


class SocialConfig(AppConfig):
    name = "social"
    verbose_name = "Social accounts"

    def ready(self) -> None:
        # Importing them registers the system checks.
        from . import checks  # noqa: F401
        from .platforms import checks as platform_checks  # noqa: F401
