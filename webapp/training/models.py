"""Training jobs and what they leave behind: loss rows, evaluations, a log (promotions: checker.Promotion).

A job's row is the truth about it. Its status is written only by webapp.training.lifecycle, whose
transitions staff actions (webapp.training.jobs) and the worker (webapp.training.attempts) call.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from ml import methods
from webapp.checker import headline
from webapp.checker.models import ModelVersion
from webapp.paths import hide_paths


class TrainingJob(models.Model):
    class Status(models.TextChoices):
        WAITING = "waiting", "waiting"  # for its teacher job to succeed (webapp.training.lifecycle)
        QUEUED = "queued", "queued"
        RUNNING = "running", "running"
        SUCCEEDED = "succeeded", "succeeded"
        FAILED = "failed", "failed"
        CANCELLED = "cancelled", "cancelled"

    ACTIVE = (Status.WAITING, Status.QUEUED, Status.RUNNING)
    FINAL = (Status.SUCCEEDED, Status.FAILED, Status.CANCELLED)

    method = models.CharField(max_length=32, choices=methods.choices)  # ml's registry: a new method needs no migration
    # As launched: a hub id, a path, a bundled short name, or the artifact of `teacher_job`.
    teacher = models.CharField(max_length=500)
    teacher_job = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="student_jobs"
    )
    dataset = models.CharField(max_length=500)
    # The options ml.TrainConfig validated at launch (everything but `output`): a retry reuses them.
    config = models.JSONField()
    name = models.CharField(max_length=100, blank=True, help_text="what staff call the run, shown beside its id")
    note = models.TextField(max_length=2000, blank=True, help_text="staff's note on the run")
    starter_stage = models.CharField(
        max_length=20, blank=True, help_text="the starter's stage this job is (first, or a stage of its preset)"
    )

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    cancel_requested = models.BooleanField(default=False)
    step = models.PositiveIntegerField(default=0)
    total_steps = models.PositiveIntegerField(null=True, blank=True)
    eta_s = models.FloatField("ETA (seconds)", null=True, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="training_jobs"
    )
    retry_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="retries")
    created = models.DateTimeField(default=timezone.now)
    queued_at = models.DateTimeField(default=timezone.now)  # the queue is first in, first out by this
    started = models.DateTimeField(null=True, blank=True)
    finished = models.DateTimeField(null=True, blank=True)

    # Written by the worker. `attempts` doubles as a fencing token: an attempt writes only while the
    # row still carries its number, so a worker presumed dead cannot overwrite its successor.
    celery_task_id = models.CharField(max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    heartbeat = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(max_length=200, blank=True)
    worker_pid = models.PositiveIntegerField(null=True, blank=True)
    device = models.CharField(max_length=100, blank=True)
    error = models.TextField(blank=True)
    output_dir = models.CharField(max_length=500, blank=True)
    metrics = models.JSONField(default=dict, blank=True)  # metrics.json of the finished run
    model_version = models.OneToOneField(
        ModelVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="training_job"
    )
    # Reviewed predictions written to the job's extra training file at launch (None: not asked for).
    reviewed_rows = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        permissions = [
            ("launch_trainingjob", "Can launch training jobs"),
            ("cancel_trainingjob", "Can cancel training jobs"),
            ("retry_trainingjob", "Can retry training jobs"),
        ]
        indexes = [
            models.Index(fields=["-created", "-id"], name="job_newest_first"),
            models.Index(fields=["status", "queued_at"], name="job_status_queued_at"),
        ]

    @property
    def title(self):
        """`job 12` or `job 12 · wide student`: how lists and the compare page name a run."""
        return f"job {self.pk} · {self.name}" if self.name else f"job {self.pk}"

    def __str__(self):
        return f"job {self.pk} ({self.method})"

    @property
    def is_active(self):
        return self.status in self.ACTIVE

    @property
    def can_cancel(self):
        return self.is_active and not self.cancel_requested

    @property
    def can_retry(self):
        return self.status in (self.Status.FAILED, self.Status.CANCELLED)

    @property
    def can_promote(self):
        return self.status == self.Status.SUCCEEDED and not (self.model_version and self.model_version.active)

    @property
    def progress(self):
        """Fraction of the steps done, 0 to 1 (1 once succeeded)."""
        if self.status == self.Status.SUCCEEDED:
            return 1.0
        return min(1.0, self.step / self.total_steps) if self.total_steps else 0.0

    @property
    def duration(self):
        if self.started is None:
            return None
        return (self.finished or timezone.now()) - self.started

    @property
    def reviewed_rows_used(self):
        """Reviewed rows the run trained on: those of `reviewed_rows` that were new to the dataset
        (ml drops texts already in a split or repeated), from the finished run's metrics."""
        if self.reviewed_rows is None:
            return None
        return (self.metrics.get("data") or {}).get("extra_train_rows")

    @property
    def test_metrics(self):
        return self.metrics.get("test") or {}

    @property
    def test_f1(self):
        return self.test_metrics.get("f1")

    @property
    def headline(self):
        """The figure that leads for this job: its model's (the gate's) once registered, else its run's own."""
        found = self.model_version.headline if self.model_version else None
        return found or headline.of_run(self.metrics)

    @property
    def run_figures(self):
        return headline.run_figures(self.metrics)

    def queue_position(self):
        """1 for the next job to start; None unless queued."""
        if self.status != self.Status.QUEUED:
            return None
        return queue_positions().get(self.pk)

    def log(self, message, level="info"):
        return JobLogEntry.objects.create(job=self, message=message, level=level)


def queue_positions():
    """{job id: position} of every queued job, in one query."""
    queued = TrainingJob.objects.filter(status=TrainingJob.Status.QUEUED).order_by("queued_at", "id")
    return {pk: position for position, pk in enumerate(queued.values_list("pk", flat=True), start=1)}


class TrainingMetric(models.Model):
    """One logged training step: the mean loss, and of each of its terms, since the previous one.

    `components` maps each loss term the method logs ({"cls": ..., "div": ..., "cos": ...}) to its
    mean: a new term is stored, served and drawn with no migration.
    """

    job = models.ForeignKey(TrainingJob, on_delete=models.CASCADE, related_name="points")
    step = models.PositiveIntegerField()
    epoch = models.FloatField()
    loss = models.FloatField()
    components = models.JSONField(default=dict, blank=True)
    lr = models.FloatField(null=True, blank=True)
    samples_per_s = models.FloatField(null=True, blank=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["step"]
        constraints = [models.UniqueConstraint(fields=["job", "step"], name="one_metric_per_job_step")]

    @classmethod
    def from_progress(cls, job_id, progress):
        return cls(
            job_id=job_id,
            step=progress.step,
            epoch=progress.epoch,
            loss=progress.loss,
            components=dict(progress.components),
            lr=progress.lr,
            samples_per_s=progress.samples_per_s,
        )

    def to_point(self):
        """The row as the job page, its WebSocket and the API's history show it (api.PointOut)."""
        return {
            "step": self.step,
            "epoch": self.epoch,
            "loss": self.loss,
            "components": self.components,
            "lr": self.lr,
            "samples_per_s": self.samples_per_s,
        }


class EvaluationResult(models.Model):
    """Metrics of one split: validation during training, then validation and test of the final model."""

    job = models.ForeignKey(TrainingJob, on_delete=models.CASCADE, related_name="evaluations")
    split = models.CharField(max_length=20)
    step = models.PositiveIntegerField()
    epoch = models.FloatField()
    final = models.BooleanField(default=False)
    metrics = models.JSONField()
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["step", "id"]

    def to_dict(self):
        return {
            "split": self.split,
            "step": self.step,
            "epoch": self.epoch,
            "final": self.final,
            "metrics": self.metrics,
        }


class JobLogEntry(models.Model):
    """The job's status log, shown on its page: who did what, and what the worker decided."""

    class Level(models.TextChoices):
        INFO = "info"
        WARNING = "warning"
        ERROR = "error"

    job = models.ForeignKey(TrainingJob, on_delete=models.CASCADE, related_name="log_entries")
    created = models.DateTimeField(default=timezone.now)
    level = models.CharField(max_length=10, choices=Level.choices, default=Level.INFO)
    message = models.TextField()

    class Meta:
        ordering = ["created", "id"]
        verbose_name_plural = "job log entries"

    def to_dict(self):
        return {"id": self.pk, "time": self.created.isoformat(), "level": self.level, "message": self.shown_message}

    @property
    def shown_message(self):
        """The message as staff read it: the artifacts folder written `artifacts` (webapp/paths.py)."""
        return hide_paths(self.message)


class Starter(models.Model):
    """The starter's one row (webapp.training.starter): its unique `key` makes it run once per
    database whichever process starts first. `blocked` says why it could not start, in plain words."""

    key = models.CharField(max_length=20, unique=True, default="starter")
    created = models.DateTimeField(default=timezone.now)
    blocked = models.TextField(blank=True)
    baseline_job = models.ForeignKey(TrainingJob, null=True, on_delete=models.SET_NULL, related_name="+")
    # the first model's job; the starter's later jobs carry their stage in TrainingJob.starter_stage

    def __str__(self):
        return f"starter of {self.created:%Y-%m-%d %H:%M}"
