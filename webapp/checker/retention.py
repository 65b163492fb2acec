"""How long stored comments are kept (issue 25): the text of a check older than
TOXILAB_PREDICTION_RETENTION_DAYS days is removed, daily (the worker's forget_old_texts task, sent by
celery beat); its verdict, probability, model, time and flags stay, so the monitoring figures keep
counting it. Checks that reviewers labelled or users flagged keep their text: they are what training on
reviewed data reads, until staff delete them. Removed in chunks of CHUNK rows, so that no long
transaction holds the table.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from webapp.checker.models import Prediction

log = logging.getLogger(__name__)
CHUNK = 10_000


def kept():
    """The checks whose text stays whatever their age: reviewed or flagged."""
    return Q(reviewed_at__isnull=False) | Q(flag_count__gt=0)


def forget_old_texts(now=None, days=None):
    """Remove the texts older than `days` (default the setting; 0: none); returns how many."""
    days = settings.TOXILAB_PREDICTION_RETENTION_DAYS if days is None else days
    if not days:
        return 0
    now = now or timezone.now()
    old = Prediction.objects.filter(created__lt=now - timedelta(days=days), text_removed_at__isnull=True)
    old = old.exclude(kept())
    removed = 0
    while ids := list(old.values_list("id", flat=True)[:CHUNK]):
        removed += Prediction.objects.filter(id__in=ids).update(text="", text_removed_at=now)
    if removed:
        log.info("removed the texts of %d checks older than %d days", removed, days)
    return removed
