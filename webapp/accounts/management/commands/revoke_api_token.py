from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from webapp.accounts.models import ApiToken


class Command(BaseCommand):
    help = "Revoke API tokens by their first characters (as listed with --list), or all of a user's."

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("prefix", nargs="?", help="the token's first characters (tlk_…), or the whole token")
        which.add_argument("--user", help="revoke every token of this user")
        which.add_argument("--list", action="store_true", dest="list_tokens", help="list tokens instead")

    def handle(self, prefix, user, list_tokens, **options):
        tokens = ApiToken.objects.select_related("user")
        if list_tokens:
            for token in tokens:
                state = f"revoked {token.revoked:%Y-%m-%d %H:%M}" if token.revoked else "active"
                used = f"{token.last_used:%Y-%m-%d %H:%M}" if token.last_used else "never"
                self.stdout.write(f"{token.prefix}  {token.user}  {token.name or '-'}  used {used}  {state}")
            return
        if user and not get_user_model().objects.filter(username=user).exists():
            raise CommandError(f"no user named {user!r}", returncode=2)  # as create_api_token says
        chosen = tokens.filter(user__username=user) if user else _by_prefix(tokens, prefix)
        revoked = 0
        for token in chosen.filter(revoked__isnull=True):
            token.revoke()
            revoked += 1
        self.stdout.write(f"Revoked {revoked} token(s).")


def _by_prefix(tokens, prefix):
    if len(prefix) < 8:
        raise CommandError("give at least the first 8 characters of the token", returncode=2)
    matches = tokens.filter(key_hash=ApiToken.hash(prefix)) or tokens.filter(prefix__startswith=prefix[:12])
    if not matches:
        raise CommandError(f"no token starts with {prefix!r}", returncode=2)
    if len({t.prefix for t in matches}) > 1:
        raise CommandError(f"{prefix!r} matches several tokens; give more characters", returncode=2)
    return tokens.filter(pk__in=[t.pk for t in matches])
