"""A study: methods x seeds (x the values of one varied option) run as ordinary training jobs.

Its jobs' rows are the truth about it: its status, progress and results are derived from them
(webapp.studies.studies, webapp.studies.results), and only a cancel is stored on the study itself.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from webapp.training.models import TrainingJob


class Study(models.Model):
    # The shared options as POSTed (method, seed and the varied option are set per job).
    options = models.JSONField(default=dict)
    methods = models.JSONField()  # names from ml.methods, in the order given
    seeds = models.JSONField()  # a list of ints
    vary = models.JSONField(null=True, blank=True)  # {"option": name, "values": [...]}
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created = models.DateTimeField(default=timezone.now)
    cancelled = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name_plural = "studies"

    def __str__(self):
        return f"study {self.pk}"


class StudyRun(models.Model):
    """One cell of the study (method, seed, value of the varied option) and the job that runs it now;
    a retry points the cell at the new job (the old one stays, as the new job's `retry_of`)."""

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="runs")
    job = models.OneToOneField(TrainingJob, on_delete=models.PROTECT, related_name="study_run")
    method = models.CharField(max_length=32)
    seed = models.BigIntegerField()
    value = models.JSONField(null=True, blank=True)  # of study.vary["option"]; None without one

    class Meta:
        ordering = ["id"]
