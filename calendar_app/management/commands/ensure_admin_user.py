from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.core.management.base import CommandError
from environ import Env


class Command(BaseCommand):
    help = (
        "Create the superuser `admin` (password from DJANGO_SUPERUSER_PASSWORD) unless a superuser exists; "
        "say where to log in and, with the Sandbox on, how to publish a first post."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")
        parser.add_argument(
            "--address", default="127.0.0.1:8000", help="where runserver listens, for the login link"
        )

    def handle(self, *args, username: str, address: str, **options):
        site = f"http://{address}"
        users = get_user_model().objects
        if users.filter(is_superuser=True).exists():
            self.stdout.write(f"A superuser already exists; log in at {site}/admin/.")
        else:
            password = Env().str("DJANGO_SUPERUSER_PASSWORD", default="")
            if not password:
                raise CommandError("Set DJANGO_SUPERUSER_PASSWORD (./dev start writes one to .env).")
            users.create_superuser(username=username, email="", password=password)
            self.stdout.write(
                f"Created the superuser {username!r}; its password is DJANGO_SUPERUSER_PASSWORD in .env. "
                f"Log in at {site}/admin/."
            )
        if settings.SANDBOX_PLATFORM:
            # Imported only when on: with the Sandbox off, none of its code is loaded.
            from social.platforms.sandbox.first_run import first_run_steps

            for line in first_run_steps(site):
                self.stdout.write(line)
