from django.apps import AppConfig
from django.core import checks


class CalendarAppConfig(AppConfig):
    name = "calendar_app"
    verbose_name = "Scheduled posts"

    def ready(self) -> None:
        from .checks import check_cron_secret
        from .checks import check_stall_after

        checks.register(check_cron_secret)
        checks.register(check_stall_after)
