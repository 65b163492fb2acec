"""Deleting stored predictions (issue 25): one, or every prediction of the same text, on a reviewer's
request (checker.delete_prediction), for a person who asks that their words be removed. The rows go
with their reviews and flag tokens; a PredictionDeletion row records who deleted which ids and when,
with the text's SHA-256, never the text."""

import hashlib

from django.db import transaction

from webapp.checker.models import Prediction, PredictionDeletion
from webapp.monitoring import rollups

MAX_SAME_TEXT = 10_000  # predictions one deletion of a text may remove


class TooMany(Exception):
    """More predictions share the text than one deletion removes."""


def delete(prediction, user, same_text=False):
    """Delete `prediction` (and with `same_text`, every prediction of its text); returns the audit row."""
    with transaction.atomic():
        found = prediction.same_text() if same_text else Prediction.objects.filter(pk=prediction.pk)
        ids = sorted(found.select_for_update().values_list("pk", flat=True)[: MAX_SAME_TEXT + 1])
        if len(ids) > MAX_SAME_TEXT:
            raise TooMany(f"more than {MAX_SAME_TEXT} predictions share this text; delete them from the admin")
        audit = PredictionDeletion.objects.create(
            deleted_by=user,
            same_text=same_text,
            prediction_ids=ids,
            # a text that was never stored (TOXILAB_STORE_TEXT=0) has no hash to record
            text_sha256=hashlib.sha256(prediction.text.encode("utf-8", "surrogatepass")).hexdigest()
            if prediction.text_kept
            else "",
        )
        rollups.forget(Prediction.objects.filter(pk__in=ids))  # their days are counted again without them
        Prediction.objects.filter(pk__in=ids).delete()
    return audit
