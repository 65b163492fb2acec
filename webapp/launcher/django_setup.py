"""What `make run` does in Django before it starts the web server and the worker: migrate, make sure a
staff account exists and, on a new database, start the first model."""

import os
import secrets

from webapp.launcher import banner


def prepare_django():
    """Migrate, create the first staff account and, on a new database, start the first model; returns
    the account to sign in with (banner.StaffAccount)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=1)
    account = ensure_staff_account()
    start_first_model()
    return account


def start_first_model():
    """On a database with no model, the starter queues a first one (once per database; TOXILAB_STARTER=0: never)."""
    from webapp.training import starter

    message = starter.announce(starter.start())
    if message:
        print(message, flush=True)


def ensure_staff_account():
    """The first staff account, made when there is none: its password is printed in the banner, once."""
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    if users.filter(is_staff=True).exists():
        return banner.StaffAccount()
    username = os.environ.get("DJANGO_SUPERUSER_USERNAME") or "admin"
    password = os.environ.get("DJANGO_SUPERUSER_PASSWORD")
    if password:
        account = banner.StaffAccount(username, from_env=True)
        how = "from DJANGO_SUPERUSER_USERNAME/PASSWORD"
    else:
        password = secrets.token_urlsafe(12)
        account = banner.StaffAccount(username, password=password)
        how = "with a random password (shown below once ToxiLab is up)"
    users.create_superuser(username, os.environ.get("DJANGO_SUPERUSER_EMAIL", ""), password)
    print(f"Created staff account {username!r} {how}.", flush=True)
    return account
