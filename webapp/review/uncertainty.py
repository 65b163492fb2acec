"""How unsure the model was: the distance of a prediction's toxic probability from the threshold at which
its model version says "toxic". The review queue's "most uncertain first" orders by it, smallest first."""

from django.db.models import Case, F, FloatField, Value, When
from django.db.models.functions import Abs

from ml.names import DEFAULT_THRESHOLD
from webapp.checker.models import ModelVersion


def serving_threshold(version):
    """The probability from which `version` says toxic: its own `threshold` where the model has one
    (a per-version field may be set by staff), else DEFAULT_THRESHOLD. The one place that reads it here."""
    threshold = getattr(version, "threshold", None)
    return DEFAULT_THRESHOLD if threshold is None else float(threshold)


def distance_to_threshold():
    """SQL for |toxic_probability - its version's serving threshold|. Versions are few: their thresholds
    are written into the query as a CASE, so no join is needed and any threshold rule above applies."""
    cases = [
        When(model_version_id=version.pk, then=Value(threshold))
        for version in ModelVersion.objects.all()
        if (threshold := serving_threshold(version)) != DEFAULT_THRESHOLD
    ]
    threshold = Case(*cases, default=Value(DEFAULT_THRESHOLD), output_field=FloatField())
    return Abs(F("toxic_probability") - threshold)
