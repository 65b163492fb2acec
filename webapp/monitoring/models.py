from django.db import models
from django.utils import timezone

from webapp.checker.models import ModelVersion


class Alert(models.Model):
    """A monitoring alert of a model version that is crossed now (webapp/monitoring/alerts.py): the row
    exists from the first time it was seen crossed (when it was logged) until it is seen clear again."""

    model_version = models.ForeignKey(ModelVersion, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20)  # alerts.RULES
    value = models.FloatField()
    limit = models.FloatField()
    message = models.TextField()  # what it means, in words (alerts.crossed)
    since = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["model_version", "kind"], name="one_alert_per_kind")]

    def __str__(self):
        return self.message


class DailyCounts(models.Model):
    """One ended day of a version's checks, counted once (webapp/monitoring/rollups.py)."""

    model_version = models.ForeignKey(ModelVersion, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()  # in the server's time zone
    checks = models.PositiveIntegerField()
    toxic = models.PositiveIntegerField()
    uncertain = models.PositiveIntegerField()
    threshold = models.FloatField()  # the serving threshold `uncertain` was counted at
    bins = models.JSONField()  # checks per tenth of toxic probability (rollups.BINS)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["model_version", "day"], name="one_count_per_day")]

    def __str__(self):
        return f"{self.model_version_id} {self.day}: {self.checks} checks"


class TextDrift(models.Model):
    """A window's figures from its comments' text (figures.text_drift), kept for MONITOR_REFRESH_S
    seconds: a tokenizer's pass and a classifier's fit are too slow for every page read. In the
    database, so that the worker's beat task computes them for the web processes."""

    model_version = models.ForeignKey(ModelVersion, on_delete=models.CASCADE, related_name="+")
    start = models.DateTimeField()  # the window's first day
    days = models.PositiveSmallIntegerField()
    computed = models.DateTimeField(default=timezone.now)
    figures = models.JSONField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["model_version", "start", "days"], name="one_text_drift")]

    def __str__(self):
        return f"{self.model_version_id} {self.start:%Y-%m-%d} {self.days} days"
