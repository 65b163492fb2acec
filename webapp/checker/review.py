"""Staff review of stored predictions: confirm or relabel, one or many at once, with an audit row each.

The model's verdict (`Prediction.label`) is never changed. A review sets the prediction's
`reviewed_label` (what the comment really is, as far as staff know) and adds a PredictionReview
row with who, when, the label shown before and the label after. Confirming keeps the label shown:
the model's verdict, or the previous reviewer's label if there was one.

Reviewed predictions are a dataset: `write_training_csv` writes them as ml's extra training file.
"""

import csv
from pathlib import Path

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone

from webapp.checker.models import Prediction, PredictionReview

MAX_BULK = 500  # one page of the review list at most; larger sets go through the API in batches
ACTIONS = ("confirm", Prediction.Label.TOXIC, Prediction.Label.NON_TOXIC)


class ReviewError(ValueError):
    """A review that cannot be applied (no such prediction, too many at once, unknown action)."""


@transaction.atomic
def review(ids, user, action):
    """Apply `action` ("confirm", "toxic" or "non-toxic") to the predictions `ids`; returns how many.

    Three queries whatever the number: lock and read the rows, one UPDATE, one INSERT of audit rows.
    """
    try:
        ids = sorted({int(pk) for pk in ids})
    except (TypeError, ValueError):
        raise ReviewError("ids: must be prediction ids (whole numbers)") from None
    if action not in ACTIONS:
        raise ReviewError(f"action: must be one of {', '.join(ACTIONS)}")
    if not ids:
        raise ReviewError("ids: select at least one prediction")
    if len(ids) > MAX_BULK:
        raise ReviewError(f"ids: at most {MAX_BULK} predictions at once (got {len(ids)})")
    rows = Prediction.objects.select_for_update().filter(pk__in=ids)
    shown = dict(rows.annotate(shown=_shown_label()).values_list("pk", "shown"))
    missing = set(ids) - set(shown)
    if missing:
        raise ReviewError(f"no prediction with id {', '.join(map(str, sorted(missing)))}")
    now = timezone.now()
    new_label = _shown_label() if action == "confirm" else Value(action)
    Prediction.objects.filter(pk__in=ids).update(reviewed_label=new_label, reviewed_by=user, reviewed_at=now)
    PredictionReview.objects.bulk_create(
        _audit_row(pk, user, now, previous, previous if action == "confirm" else action)
        for pk, previous in sorted(shown.items()))
    return len(ids)


def _audit_row(pk, user, now, previous, label):
    action = PredictionReview.Action.CONFIRM if label == previous else PredictionReview.Action.RELABEL
    return PredictionReview(prediction_id=pk, reviewer=user, created=now, action=action, previous_label=previous,
                            label=label)


def _shown_label():
    return Coalesce(NullIf(F("reviewed_label"), Value("")), F("label"))


def reviewed():
    """Every reviewed prediction, oldest review first."""
    return Prediction.objects.filter(reviewed_at__isnull=False).order_by("reviewed_at", "id")


def write_training_csv(path):
    """Write the reviewed predictions as `text,label` (label 1 = toxic, the reviewer's label) for
    ml's extra_train_file; returns the number of rows. Texts are written as they were checked: ml
    drops those already in the dataset's splits or repeated in the file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = 0
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["text", "label"])
        for text, label in reviewed().values_list("text", "reviewed_label").iterator(chunk_size=2000):
            writer.writerow([text, int(label == Prediction.Label.TOXIC)])
            rows += 1
    return rows
