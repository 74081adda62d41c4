from django.apps import AppConfig


class MediaLibraryConfig(AppConfig):
    name = "media_library"
    label = "media_library"
    verbose_name = "Media library"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)
