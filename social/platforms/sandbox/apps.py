from django.apps import AppConfig


class SandboxConfig(AppConfig):
    """The Sandbox's network: its accounts, tokens, posts and media, its pages and its admin. Installed
    only while SANDBOX_PLATFORM is on (``social.platforms.conf``)."""

    name = "social.platforms.sandbox"
    label = "sandbox"
    verbose_name = "Sandbox (a local simulated network)"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)
