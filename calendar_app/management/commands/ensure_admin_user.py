from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from environ import Env


class Command(BaseCommand):
    help = "Create the superuser `admin` (password from DJANGO_SUPERUSER_PASSWORD) unless a superuser exists."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")
        parser.add_argument(
            "--address", default="127.0.0.1:8000", help="where runserver listens, for the login link"
        )

    def handle(self, *args, username: str, address: str, **options):
        users = get_user_model().objects
        if users.filter(is_superuser=True).exists():
            self.stdout.write("A superuser already exists; the admin is at /admin/.")
            return
        password = Env().str("DJANGO_SUPERUSER_PASSWORD", default="")
        if not password:
            raise CommandError("Set DJANGO_SUPERUSER_PASSWORD (./dev start writes one to .env).")
        users.create_superuser(username=username, email="", password=password)
        self.stdout.write(
            f"Created the superuser {username!r}; its password is DJANGO_SUPERUSER_PASSWORD in .env. "
            f"Log in at http://{address}/admin/."
        )
