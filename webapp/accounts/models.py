"""API tokens of the staff API. The staff checks that use them are in webapp.accounts.auth."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone


class ApiToken(models.Model):
    """A bearer token for the staff API. Only its SHA-256 is stored: the token itself is shown once."""

    PREFIX = "tlk_"
    LAST_USED_RESOLUTION = timedelta(minutes=1)  # write last_used at most once a minute per token

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=12, db_index=True, help_text="the token's first characters")
    key_hash = models.CharField(max_length=64, unique=True)
    created = models.DateTimeField(default=timezone.now)
    last_used = models.DateTimeField(null=True, blank=True)
    revoked = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "training_apitoken"  # the table it had when it lived in the training app
        ordering = ["-created"]
        verbose_name = "API token"

    def __str__(self):
        return f"{self.prefix}… ({self.user})"

    @staticmethod
    def hash(raw):
        return hashlib.sha256(raw.encode()).hexdigest()

    @classmethod
    def issue(cls, user, name=""):
        """Create a token; returns (row, the token in clear), the only time it exists in clear."""
        raw = cls.PREFIX + secrets.token_urlsafe(32)
        return cls.objects.create(user=user, name=name, prefix=raw[:12], key_hash=cls.hash(raw)), raw

    @classmethod
    def authenticate(cls, raw):
        """The active user owning this unrevoked token, or None."""
        token = (
            cls.objects.select_related("user")
            .filter(key_hash=cls.hash(raw), revoked__isnull=True, user__is_active=True)
            .first()
        )
        if token is None:
            return None
        now = timezone.now()
        if token.last_used is None or now - token.last_used > cls.LAST_USED_RESOLUTION:
            cls.objects.filter(pk=token.pk).update(last_used=now)
        return token.user

    def revoke(self):
        if self.revoked is None:
            self.revoked = timezone.now()
            self.save(update_fields=["revoked"])
