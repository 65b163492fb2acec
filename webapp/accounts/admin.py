from django.contrib import admin, messages

from webapp.accounts.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are made with `manage.py create_api_token USERNAME` (shown once); revoked here or with
    `manage.py revoke_api_token`."""

    list_display = ["prefix", "name", "user", "created", "last_used", "revoked"]
    list_filter = ["revoked"]
    search_fields = ["prefix", "name", "user__username"]
    readonly_fields = ["user", "name", "prefix", "created", "last_used", "revoked"]
    exclude = ["key_hash"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request, queryset):
        for token in queryset.filter(revoked__isnull=True):
            token.revoke()
        self.message_user(request, "The selected tokens no longer authenticate.", messages.SUCCESS)
