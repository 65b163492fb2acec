"""Staff review of stored predictions: confirm or relabel, one or many at once, with an audit row each,
and undo of a reviewer's last review.

The model's verdict (`Prediction.label`) is never changed. A review sets the prediction's
`reviewed_label` (what the comment really is, as far as staff know) and adds a PredictionReview
row with who, when, the label shown before and the label after. Confirming keeps the label shown:
the model's verdict, or the previous reviewer's label if there was one. One review may label every
prediction of the same text (`same_text`): identical comments get the same label, one audit row each.
"""

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone

from webapp.checker.models import Prediction, PredictionReview

MAX_BULK = 500  # one page of the review list at most; larger sets go through the API in batches
MAX_SAME_TEXT = 5000  # predictions of one text that one review may label together
ACTIONS = ("confirm", Prediction.Label.TOXIC, Prediction.Label.NON_TOXIC)


class ReviewError(ValueError):
    """A review that cannot be applied. Callers choose a status code by subclass, never by message."""


class InvalidReview(ReviewError):
    """The request itself is wrong: ids that are not ids, none or too many, an unknown action."""


class PredictionNotFound(ReviewError):
    """One or more of the ids name no stored prediction."""


class NothingToUndo(ReviewError):
    """The reviewer has no review left that undo could take back."""


class ReviewedSince(ReviewError):
    """Someone reviewed the prediction again after the review to undo: undoing would discard theirs."""


@transaction.atomic
def review(ids, user, action, same_text=False):
    """Apply `action` ("confirm", "toxic" or "non-toxic") to the predictions `ids` (and, with `same_text`,
    to every prediction of the same texts); returns the ids reviewed.

    Three queries whatever the number (four with `same_text`): lock and read the rows, one UPDATE,
    one INSERT of audit rows.
    """
    ids = _valid_ids(ids)
    if action not in ACTIONS:
        raise InvalidReview(f"action: must be one of {', '.join(ACTIONS)}")
    if same_text:
        ids = _same_text(ids)
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
    return ids


def _valid_ids(ids):
    try:
        ids = sorted({int(pk) for pk in ids})
    except (TypeError, ValueError):
        raise InvalidReview("ids: must be prediction ids (whole numbers)") from None
    if not ids:
        raise InvalidReview("ids: select at least one prediction")
    if len(ids) > MAX_BULK:
        raise InvalidReview(f"ids: at most {MAX_BULK} predictions at once (got {len(ids)})")
    return ids


def _same_text(ids):
    """`ids` and every prediction with the text of one of them (read through the text's hash index), or,
    for a text that was never stored, with its keyed hash (Prediction.text_digest)."""
    chosen = Prediction.objects.filter(pk__in=ids)
    texts, digests = chosen.values("text"), chosen.exclude(text_digest="").values("text_digest")
    same = Prediction.with_texts(texts) | Prediction.objects.filter(text_digest__in=digests)
    group = set(same.values_list("pk", flat=True)[: MAX_SAME_TEXT + 1])
    if len(group) > MAX_SAME_TEXT:
        raise InvalidReview(
            f"same_text: more than {MAX_SAME_TEXT} predictions share these texts; review them in batches"
        )
    return sorted(group | set(ids))


def _audit_row(pk, user, now, previous, label):
    action = PredictionReview.Action.CONFIRM if label == previous else PredictionReview.Action.RELABEL
    return PredictionReview(
        prediction_id=pk, reviewer=user, created=now, action=action, previous_label=previous, label=label
    )


def _shown_label():
    return Coalesce(NullIf(F("reviewed_label"), Value("")), F("label"))


def _in_effect():
    """Audit rows of reviews that still count: not undo rows, and not undone."""
    return PredictionReview.objects.exclude(action=PredictionReview.Action.UNDO).filter(undone_by__isnull=True)


@transaction.atomic
def undo_last(user):
    """Take back `user`'s latest review still in effect: every row that one action wrote (one prediction,
    the ticked ones, or a text's group). Each prediction gets back the review in effect before it (or
    none) and an audit row "undo" that names the row undone; returns the ids. Undoing again takes back
    the review before that one. Refused, with nothing changed, when someone reviewed one of them since."""
    last = _in_effect().filter(reviewer=user).order_by("-created", "-id").first()
    if last is None:
        raise NothingToUndo("you have no review left to undo")
    undone = {row.prediction_id: row for row in _in_effect().filter(reviewer=user, created=last.created)}
    model_label = dict(Prediction.objects.select_for_update().filter(pk__in=undone).values_list("pk", "label"))
    history = {}  # prediction id -> its reviews in effect, newest first
    for row in _in_effect().filter(prediction_id__in=undone).select_related("reviewer").order_by("-created", "-id"):
        history.setdefault(row.prediction_id, []).append(row)
    now = timezone.now()
    states, audit = {}, []
    for pk, row in sorted(undone.items()):
        latest, *earlier = history.get(pk, [None])
        if latest != row:
            who = latest.reviewer if latest and latest.reviewer else "someone"
            raise ReviewedSince(f"prediction {pk} was reviewed again since by {who}; nothing was undone")
        before = earlier[0] if earlier else None
        state = (before.label, before.reviewer_id, before.created) if before else ("", None, None)
        states.setdefault(state, []).append(pk)
        audit.append(
            PredictionReview(
                prediction_id=pk,
                reviewer=user,
                created=now,
                action=PredictionReview.Action.UNDO,
                previous_label=row.label,
                label=state[0] or model_label[pk],
                undoes=row,
            )
        )
    for (label, reviewer_id, at), pks in states.items():
        Prediction.objects.filter(pk__in=pks).update(reviewed_label=label, reviewed_by_id=reviewer_id, reviewed_at=at)
    PredictionReview.objects.bulk_create(audit)
    return sorted(undone)
