from django.apps import AppConfig


class SocialConfig(AppConfig):
    name = "social"
    verbose_name = "Social accounts"

    def ready(self) -> None:
        from . import checks, clients, oauth  # noqa: F401  (registers checks, clients and providers)
