from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "webapp.accounts"
    label = "accounts"
    verbose_name = "Staff accounts and API tokens"

    def ready(self):
        from webapp.accounts.permissions import create_groups
        from webapp.accounts.throttling import clear_own_failures

        post_migrate.connect(create_groups, sender=self, dispatch_uid="toxilab-staff-groups")
        user_logged_in.connect(clear_own_failures, dispatch_uid="toxilab-clear-own-login-failures")
