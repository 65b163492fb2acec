from pathlib import PurePath

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac

from ml import methods, names
from ml.names import DEFAULT_THRESHOLD, LABELS, RUNTIME_LABELS
from webapp.checker import headline

# A probability this close to the serving threshold (either side) is shown to end users as uncertain.
UNCERTAIN_BAND = 0.1


DIGEST_SALT = "toxilab.checker.Prediction.text_digest"
# The checks whose text is there to read: stored at all (TOXILAB_STORE_TEXT) and not removed by the
# retention (webapp/checker/retention.py).
HAS_TEXT = Q(text_removed_at__isnull=True, text_digest="")


class ModelVersion(models.Model):
    """One trained artifact directory (written by `python -m ml train`) that the checker can serve."""

    # ml.names spells and labels them (ml.runtimes's and the baseline's own): a new runtime needs no edit here
    Runtime = models.TextChoices(
        "Runtime", [(value.upper().replace("-", "_"), (value, label)) for value, label in RUNTIME_LABELS.items()]
    )

    name = models.CharField(max_length=100, unique=True)
    method = models.CharField(max_length=32, choices=methods.choices)  # ml's registry: a new method needs no migration
    teacher = models.CharField(max_length=200)
    artifact_path = models.CharField(max_length=500)
    metrics = models.JSONField(default=dict, blank=True)
    created = models.DateTimeField(default=timezone.now)
    active = models.BooleanField(default=False)
    # The CPU runtime that serves it (ml/runtimes.py), chosen by webapp/checker/runtime_choice.py:
    # the faster candidate only when its test F1 is within 0.5 points of fp32's on the same comments.
    runtime = models.CharField(max_length=16, choices=Runtime.choices, default=names.FP32)
    candidate_runtime = models.CharField(max_length=16, choices=Runtime.choices, blank=True)
    fp32_f1 = models.FloatField(null=True, blank=True, verbose_name="fp32 test F1")
    candidate_f1 = models.FloatField(null=True, blank=True, verbose_name="candidate test F1")
    runtime_note = models.CharField(max_length=300, blank=True)
    runtime_checked = models.DateTimeField(null=True, blank=True)
    # The serving threshold: a comment is toxic when its probability is >= this. Registering sets it
    # to the one tuned on validation (metrics.json "threshold"); model owners change it on the model's page.
    threshold = models.FloatField(default=DEFAULT_THRESHOLD)
    # Test F1 at that threshold on the gate's test sample (webapp/checker/scoring.py), kept on the row
    # so that the checker page shows it without reading the scores; None until the version is scored.
    serving_f1 = models.FloatField(null=True, blank=True, verbose_name="test F1 at the serving threshold")

    class Meta:
        ordering = ["-created"]
        permissions = [("promote_modelversion", "Can promote or activate a model version")]
        constraints = [
            # The database, not the code, guarantees there is never more than one active model.
            models.UniqueConstraint(fields=["active"], condition=Q(active=True), name="one_active_model_version"),
        ]

    def __str__(self):
        return self.name

    @classmethod
    def current(cls):
        """The active version, or None. One indexed lookup: cheap enough for every request."""
        return cls.objects.filter(active=True).first()

    @staticmethod
    def served_before():
        """Whether a model has served the checker (every activation but a test fixture's is a
        Promotion): with none active now, staff took it out of service; no first model is coming."""
        return Promotion.objects.exists()

    @transaction.atomic
    def activate(self):
        ModelVersion.objects.filter(active=True).exclude(pk=self.pk).update(active=False)
        ModelVersion.objects.filter(pk=self.pk).update(active=True)
        self.active = True

    def label_for(self, probability):
        """The verdict this version gives a toxic-class probability: toxic at or above its threshold."""
        return Prediction.Label.TOXIC if probability >= self.threshold else Prediction.Label.NON_TOXIC

    def is_uncertain(self, probability):
        """Whether `probability` lies within UNCERTAIN_BAND of the threshold, on either side."""
        return abs(probability - self.threshold) < UNCERTAIN_BAND

    @property
    def threshold_percent(self):
        return f"{self.threshold:.1%}"

    @property
    def tuned_threshold(self):
        """The threshold tuned on validation when the run was trained (DEFAULT_THRESHOLD for runs that have none)."""
        return self.metrics.get("threshold", DEFAULT_THRESHOLD)

    @property
    def display_name(self):
        """What end users read: the method and the name, never a server path."""
        return f"{self.get_method_display()} “{PurePath(self.name).name}”"

    @property
    def teacher_name(self):
        """The teacher as a hub name ("bundled-minilm") or the last part of a server path."""
        return (
            PurePath(self.teacher).name if "/" in self.teacher and self.teacher.startswith(("/", ".")) else self.teacher
        )

    @property
    def headline(self):
        """The figure that leads wherever this version is shown (webapp/checker/headline.py), or None."""
        return headline.of_version(self)

    @property
    def quality_f1(self):
        """The one quality figure end users see: the headline's F1 (test F1 at the serving threshold, from
        the gate's sample, else from the run's own test split while the threshold is the tuned one)."""
        found = self.headline
        return found and found.f1

    @property
    def test_f1(self):
        return (self.metrics.get("test") or {}).get("f1")

    @property
    def layers(self):
        return self.metrics.get("layers")


class Prediction(models.Model):
    """One verdict given to one comment, stored in the request that asked for it."""

    class Label(models.TextChoices):
        TOXIC = LABELS[1], LABELS[1].capitalize()  # ml.names: the classifiers' class 1
        NON_TOXIC = LABELS[0], LABELS[0].capitalize()

    class Source(models.TextChoices):
        PAGE = "page", "checker page"
        API = "api", "JSON API"

    text = models.TextField()
    label = models.CharField(max_length=10, choices=Label.choices)
    toxic_probability = models.FloatField()
    # Indexed below together with the date; PROTECT keeps the record of who judged what.
    model_version = models.ForeignKey(
        ModelVersion, on_delete=models.PROTECT, related_name="predictions", db_index=False
    )
    source = models.CharField(max_length=4, choices=Source.choices)
    created = models.DateTimeField(default=timezone.now)
    # The latest staff review, kept here so that lists filter and show it without a join; the
    # history is in PredictionReview. `label` stays the model's verdict forever.
    reviewed_label = models.CharField(max_length=10, choices=Label.choices, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    # End users' "Is this wrong?" on the checker (webapp/review/flags.py): how often, and since when.
    flag_count = models.PositiveIntegerField(default=0)
    first_flagged_at = models.DateTimeField(null=True, blank=True)
    # When the retention task (webapp/checker/retention.py) removed the text; the verdict stays.
    text_removed_at = models.DateTimeField(null=True, blank=True)
    # With TOXILAB_STORE_TEXT=0 the text is never stored: `text` is empty and this is its keyed hash
    # (Prediction.digest), which still groups identical texts; empty when the text is kept.
    text_digest = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = ["-created", "-id"]
        # Reading predictions needs Django's own checker.view_prediction (the Reviewers group has it).
        permissions = [
            ("review_prediction", "Can confirm or relabel predictions"),
            ("export_prediction", "Can export predictions as CSV"),
        ]
        indexes = [
            models.Index(fields=["label", "-created"], name="prediction_label_created"),
            models.Index(fields=["model_version", "-created"], name="prediction_model_created"),
            models.Index(fields=["toxic_probability"], name="prediction_probability"),
            # Newest first, and the review page's seek pagination: (created, id), (toxic_probability, id).
            models.Index(fields=["-created", "-id"], name="prediction_created_id"),
            models.Index(fields=["toxic_probability", "id"], name="prediction_probability_id"),
            # Reviewed rows are few: the "reviewed" filter and the training export read this index.
            models.Index(fields=["-reviewed_at"], name="prediction_reviewed", condition=Q(reviewed_at__isnull=False)),
            # Flagged rows are fewer still: the review page's "flagged" filter.
            models.Index(
                fields=["-first_flagged_at"], name="prediction_flagged", condition=Q(first_flagged_at__isnull=False)
            ),
            models.Index(fields=["text_digest"], name="prediction_text_digest", condition=~Q(text_digest="")),
            # The checks whose flags and reviews monitoring counts live (webapp/monitoring/rollups.py).
            models.Index(
                fields=["model_version", "created"],
                name="prediction_monitored",
                condition=Q(flag_count__gt=0) | Q(reviewed_at__isnull=False),
            ),
        ]
        # Identical texts (duplicate groups) are found through a hash index on the text, PostgreSQL only:
        # migration 0008_prediction_flags_undo_text_hash.

    def __str__(self):
        return f"{self.get_label_display()} ({self.toxic_percent}) #{self.pk}"

    @property
    def toxic_percent(self):
        return f"{self.toxic_probability:.1%}"

    @property
    def uncertain(self):
        """Whether the probability lies within UNCERTAIN_BAND of its model's serving threshold."""
        return self.model_version.is_uncertain(self.toxic_probability)

    @property
    def final_label(self):
        """The reviewer's label when staff reviewed it, else the model's verdict."""
        return self.reviewed_label or self.label

    @property
    def relabelled(self):
        return bool(self.reviewed_label) and self.reviewed_label != self.label

    @classmethod
    def with_texts(cls, texts):
        """The predictions of exactly these `texts` (a list or a subquery), through the text's hash
        index; a text removed by the retention (webapp/checker/retention.py) is no text, shared with none."""
        return cls.objects.filter(HAS_TEXT, text__in=texts)

    @staticmethod
    def digest(text):
        """The keyed hash (HMAC-SHA256 under SECRET_KEY) kept instead of a text that is not stored: equal
        for equal texts, and not a plain hash, which anyone could match against a guessed comment."""
        return salted_hmac(DIGEST_SALT, text.encode("utf-8", "surrogatepass"), algorithm="sha256").hexdigest()

    @property
    def text_kept(self):
        return not self.text_digest

    @property
    def has_text(self):
        """Its text is there to read (HAS_TEXT)."""
        return self.text_kept and self.text_removed_at is None

    def same_text(self):
        """The predictions of this one's text, itself included; only itself once its text was removed.
        A text that was never stored is matched by its keyed hash."""
        if self.text_digest:
            return Prediction.objects.filter(text_digest=self.text_digest)
        if self.text_removed_at:
            return Prediction.objects.filter(pk=self.pk)
        return Prediction.with_texts([self.text])


class FlagUse(models.Model):
    """A flag token that has been counted (webapp/checker/flags.py): a token counts once, however often
    it is sent. The token is kept as its SHA-256, the way it was sent."""

    digest = models.CharField(max_length=64, primary_key=True)
    prediction = models.ForeignKey(Prediction, on_delete=models.CASCADE, related_name="+", db_index=False)
    used_at = models.DateTimeField(default=timezone.now)


class PredictionReview(models.Model):
    """One staff review of one prediction: the audit trail. Rows are only ever added: an undo is a row
    of its own that names the review it undid."""

    class Action(models.TextChoices):
        CONFIRM = "confirm", "confirmed"
        RELABEL = "relabel", "relabelled"
        UNDO = "undo", "undid a review"

    prediction = models.ForeignKey(Prediction, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="prediction_reviews"
    )
    created = models.DateTimeField(default=timezone.now)
    action = models.CharField(max_length=10, choices=Action.choices)
    # The label shown before this review (the model's verdict, or the previous reviewer's) and after.
    previous_label = models.CharField(max_length=10, choices=Prediction.Label.choices)
    label = models.CharField(max_length=10, choices=Prediction.Label.choices)
    undoes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="undone_by", help_text="for an undo"
    )

    class Meta:
        ordering = ["-created", "-id"]
        indexes = [models.Index(fields=["reviewer", "-created"], name="review_reviewer_created")]

    def __str__(self):
        change = f"{self.previous_label} -> {self.label}"
        return f"{self.reviewer} {self.get_action_display()} #{self.prediction_id}: {change}"


class SampleScores(models.Model):
    """One version's toxic-class probabilities on the gate's fixed test sample (webapp/checker/scoring.py):
    figures at any threshold, and comparisons between versions, come from these without running a model again."""

    model_version = models.ForeignKey(ModelVersion, on_delete=models.CASCADE, related_name="test_scores")
    sample = models.CharField(max_length=600)  # scoring.sample_key(): the dataset, split, size and seed
    labels = models.JSONField()
    probabilities = models.JSONField()
    runtime = models.CharField(max_length=16, choices=ModelVersion.Runtime.choices)
    measured = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["model_version", "sample"], name="one_score_set_per_sample")]

    def __str__(self):
        return f"{self.model_version} on {self.sample}"

    @classmethod
    def of(cls, version, sample):
        """The version's scores on `sample`, or None when it has not been scored on it."""
        return cls.objects.filter(model_version=version, sample=sample).first()

    @classmethod
    def keep(cls, version, sample, labels, probabilities):
        """Store the version's scores on `sample` once and return the kept row: when another process
        scored it meanwhile, its row (the same figures) stays."""
        with transaction.atomic():
            cls.objects.bulk_create(
                [
                    cls(
                        model_version=version,
                        sample=sample,
                        labels=[int(label) for label in labels],
                        probabilities=[round(float(p), 6) for p in probabilities],
                        runtime=version.runtime,
                    )
                ],
                ignore_conflicts=True,
            )
        return cls.objects.get(model_version=version, sample=sample)


class PredictionDeletion(models.Model):
    """The audit of a deletion of stored predictions (webapp/review/deletion.py): who deleted how many,
    and which; the text itself is gone, only its SHA-256 is kept, to tell two deletions of one text."""

    deleted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    deleted_at = models.DateTimeField(default=timezone.now)
    same_text = models.BooleanField(default=False)  # every prediction of the text, not one
    prediction_ids = models.JSONField()
    text_sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["-deleted_at", "-id"]

    def __str__(self):
        return f"{self.deleted_by} deleted {len(self.prediction_ids)} prediction(s) at {self.deleted_at:%Y-%m-%d %H:%M}"


class WordReport(models.Model):
    """The words that most often pushed a version's verdicts to toxic on the gate's sample
    (webapp/checker/toxic_words.py): asked for from its page, found by the worker."""

    model_version = models.OneToOneField(ModelVersion, on_delete=models.CASCADE, related_name="word_report")
    sample = models.CharField(max_length=600)  # scoring.sample_key() when it was asked for
    threshold = models.FloatField()  # the serving threshold that called the comments toxic
    requested = models.DateTimeField(default=timezone.now)
    finished = models.DateTimeField(null=True, blank=True)
    called_toxic = models.PositiveIntegerField(null=True, blank=True)  # of the sample, at the threshold
    explained = models.PositiveIntegerField(null=True, blank=True)  # of those, the first ones explained
    words = models.JSONField(null=True, blank=True)  # ml.words.PushingWord.to_dict() each, most first
    runtime = models.CharField(max_length=16, blank=True)
    problem = models.TextField(blank=True)

    def __str__(self):
        return f"words of {self.model_version}"

    @property
    def pending(self):
        return self.finished is None


class Promotion(models.Model):
    """One activation of a model version: who made it serve the checker, when, with which figures,
    and, when the quality gate refused it and an owner forced it, the gate's reason."""

    class Source(models.TextChoices):
        DASHBOARD = "dashboard", "dashboard"
        API = "api", "API"
        CLI = "cli", "register_model"
        ADMIN = "admin", "admin"
        STARTER = "starter", "the starter"

    model_version = models.ForeignKey(ModelVersion, on_delete=models.PROTECT, related_name="promotions")
    previous = models.ForeignKey(
        ModelVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    promoted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="promotions"
    )
    promoted_at = models.DateTimeField(default=timezone.now)
    source = models.CharField(max_length=10, choices=Source.choices)
    rollback = models.BooleanField(default=False)  # back to a version that had served before
    figures = models.JSONField(default=dict, blank=True)  # webapp.checker.gate.Verdict.as_dict()
    forced = models.BooleanField(default=False)
    reason = models.TextField(blank=True)  # why the gate refused it, when forced
    note = models.TextField(blank=True)  # the owner's word on why they forced it
    # The threshold it serves at from this promotion on; for a new threshold on the active model (where
    # previous is the version itself), also the one it served at before.
    threshold = models.FloatField(null=True, blank=True)
    previous_threshold = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["-promoted_at", "-id"]

    def __str__(self):
        return f"{self.model_version} by {self.promoted_by or '?'} at {self.promoted_at:%Y-%m-%d %H:%M}"

    @property
    def threshold_change(self):
        return self.previous_threshold is not None


class ShadowRun(models.Model):
    """A registered version judging live checks beside the one that serves, never shown to end users
    (webapp/checker/shadow.py): on `share` of the checks, until `max_checks` are judged or `until`."""

    class End(models.TextChoices):
        CHECKS = "checks", "it judged its number of checks"
        DAYS = "days", "its days were over"
        STOPPED = "stopped", "staff stopped it"
        REPLACED = "replaced", "another version went into shadow"
        SERVING = "serving", "it serves the checker now"
        BROKEN = "broken", "its model could not be loaded"

    model_version = models.ForeignKey(ModelVersion, on_delete=models.CASCADE, related_name="shadow_runs")
    share = models.FloatField(default=1.0)  # of live checks, 0 < share <= 1
    max_checks = models.PositiveIntegerField()
    until = models.DateTimeField()
    started = models.DateTimeField(default=timezone.now)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    ended = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=10, choices=End.choices, blank=True)
    dropped = models.PositiveIntegerField(default=0)  # sampled checks a busy server let go unjudged

    class Meta:
        ordering = ["-started", "-id"]
        indexes = [models.Index(fields=["started"], name="shadow_run_open", condition=Q(ended__isnull=True))]

    def __str__(self):
        return f"shadow of {self.model_version} from {self.started:%Y-%m-%d %H:%M}"

    @property
    def running(self):
        return self.ended is None

    @property
    def judged(self):
        """The live checks it judged: its ShadowVerdict rows."""
        return self.verdicts.count()


class ShadowVerdict(models.Model):
    """What the version in shadow said of one stored check; `agrees`: the same label as the served one."""

    run = models.ForeignKey(ShadowRun, on_delete=models.CASCADE, related_name="verdicts")
    prediction = models.ForeignKey(Prediction, on_delete=models.CASCADE, related_name="shadow_verdicts")
    label = models.CharField(max_length=10, choices=Prediction.Label.choices)
    toxic_probability = models.FloatField()
    agrees = models.BooleanField()
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "prediction"], name="one_shadow_verdict_a_check")]
        indexes = [models.Index(fields=["run", "agrees"], name="shadow_verdict_run_agrees")]
