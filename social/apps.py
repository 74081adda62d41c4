from django.apps import AppConfig


class SocialConfig(AppConfig):
    name = "social"
    verbose_name = "Social accounts"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the checks)
        from .platforms import checks as platform_checks  # noqa: F401
