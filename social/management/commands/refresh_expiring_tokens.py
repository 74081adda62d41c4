from django.core.management.base import BaseCommand

from social.services import social_accounts_refresh_expiring


class Command(BaseCommand):
    help = (
        "Refresh the tokens that expire within their platform's margin (Threads: 14 days), whether or not a "
        "post is due. Run it daily from cron."
    )

    def handle(self, *args, **options):
        result = social_accounts_refresh_expiring()
        self.stdout.write(
            f"Refreshed {result.refreshed} of {result.expiring} expiring tokens "
            f"({result.needs_reconnect} need reconnecting, {result.failed} failed for now)."
        )
