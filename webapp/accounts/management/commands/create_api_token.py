from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from webapp.accounts.models import ApiToken


class Command(BaseCommand):
    help = "Create a bearer token for the staff API. It is printed once; only its hash is stored."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="what the token is for, shown in listings")

    def handle(self, username, name, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user named {username!r}", returncode=2)
        if not (user.is_active and user.is_staff):
            raise CommandError(f"{username!r} is not an active staff user; the jobs API is for staff", returncode=2)
        token, raw = ApiToken.issue(user, name=name)
        self.stderr.write(f"Created API token {token.prefix}… for {username}. Store it now: it is not shown again.")
        self.stdout.write(raw)
