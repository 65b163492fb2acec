from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "webapp.accounts"
    label = "accounts"
    verbose_name = "Staff accounts and API tokens"

    def ready(self):
        from webapp.accounts.permissions import create_groups

        post_migrate.connect(create_groups, sender=self, dispatch_uid="toxilab-staff-groups")
