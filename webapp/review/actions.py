"""Staff review of stored predictions: confirm or relabel, one or many at once, with an audit row each.

The model's verdict (`Prediction.label`) is never changed. A review sets the prediction's
`reviewed_label` (what the comment really is, as far as staff know) and adds a PredictionReview
row with who, when, the label shown before and the label after. Confirming keeps the label shown:
the model's verdict, or the previous reviewer's label if there was one.
"""

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone

from webapp.checker.models import Prediction, PredictionReview

MAX_BULK = 500  # one page of the review list at most; larger sets go through the API in batches
ACTIONS = ("confirm", Prediction.Label.TOXIC, Prediction.Label.NON_TOXIC)


class ReviewError(ValueError):
    """A review that cannot be applied. Callers choose a status code by subclass, never by message."""


class InvalidReview(ReviewError):
    """The request itself is wrong: ids that are not ids, none or too many, an unknown action."""


class PredictionNotFound(ReviewError):
    """One or more of the ids name no stored prediction."""


@transaction.atomic
def review(ids, user, action):
    """Apply `action` ("confirm", "toxic" or "non-toxic") to the predictions `ids`; returns how many.

    Three queries whatever the number: lock and read the rows, one UPDATE, one INSERT of audit rows.
    """
    try:
        ids = sorted({int(pk) for pk in ids})
    except (TypeError, ValueError):
        raise InvalidReview("ids: must be prediction ids (whole numbers)") from None
    if action not in ACTIONS:
        raise InvalidReview(f"action: must be one of {', '.join(ACTIONS)}")
    if not ids:
        raise InvalidReview("ids: select at least one prediction")
    if len(ids) > MAX_BULK:
        raise InvalidReview(f"ids: at most {MAX_BULK} predictions at once (got {len(ids)})")
    rows = Prediction.objects.select_for_update().filter(pk__in=ids)
    shown = dict(rows.annotate(shown=_shown_label()).values_list("pk", "shown"))
    missing = set(ids) - set(shown)
    if missing:
        raise PredictionNotFound(f"no prediction with id {', '.join(map(str, sorted(missing)))}")
    now = timezone.now()
    new_label = _shown_label() if action == "confirm" else Value(action)
    Prediction.objects.filter(pk__in=ids).update(reviewed_label=new_label, reviewed_by=user, reviewed_at=now)
    PredictionReview.objects.bulk_create(
        _audit_row(pk, user, now, previous, previous if action == "confirm" else action)
        for pk, previous in sorted(shown.items())
    )
    return len(ids)


def _audit_row(pk, user, now, previous, label):
    action = PredictionReview.Action.CONFIRM if label == previous else PredictionReview.Action.RELABEL
    return PredictionReview(
        prediction_id=pk, reviewer=user, created=now, action=action, previous_label=previous, label=label
    )


def _shown_label():
    return Coalesce(NullIf(F("reviewed_label"), Value("")), F("label"))
