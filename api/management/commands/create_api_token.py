"""python manage.py create_api_token USERNAME [--scopes read,write,publish] [--name NAME] [--expires-in-days N]"""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand
from django.core.management.base import CommandError
from django.utils import timezone

from api.tokens import api_token_create


class Command(BaseCommand):
    help = "Make a personal API token for a user and print it once; only its hash is stored."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--scopes", default="read", help="Comma-separated: read, write, publish (default: read)."
        )
        parser.add_argument("--name", default="", help="What the token is for.")
        parser.add_argument("--expires-in-days", type=int, default=None, help="Default: never expires.")

    def handle(self, *args, username: str, scopes: str, name: str, expires_in_days: int | None, **options):
        user = get_user_model().objects.filter(**{get_user_model().USERNAME_FIELD: username}).first()
        if user is None or not user.is_active:
            raise CommandError(f"No active user {username!r}.")
        if expires_in_days is not None and expires_in_days < 1:
            raise CommandError("--expires-in-days must be 1 or more.")
        expires_at = timezone.now() + timedelta(days=expires_in_days) if expires_in_days else None
        try:
            created = api_token_create(
                user=user, name=name or "Command-line token", scopes=scopes.split(","), expires_at=expires_at
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        token = created.token
        self.stderr.write(
            f"API token {token.key_id} for {username} (scopes: {', '.join(token.scopes)}; "
            f"{'expires ' + token.expires_at.isoformat() if token.expires_at else 'never expires'}). "
            "Copy it now: it is not shown again."
        )
        self.stdout.write(created.plaintext)
