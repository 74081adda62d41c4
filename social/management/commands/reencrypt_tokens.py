from django.core.management.base import BaseCommand

from social.services import social_accounts_reencrypt_tokens


class Command(BaseCommand):
    help = "Re-encrypt every stored token with the first key of ENCRYPTION_KEY (after a key rotation)."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, batch_size: int, **options):
        result = social_accounts_reencrypt_tokens(batch_size=batch_size)
        self.stdout.write(
            f"Re-encrypted {result.reencrypted} of {result.total} accounts with key {result.key_id} "
            f"({result.total - result.reencrypted} already used it)."
        )
