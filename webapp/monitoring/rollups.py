"""A version's checks counted per day (issue 25), with each day that has ended counted once and kept
(a DailyCounts row), so that a 90-day monitoring page reads 90 rows instead of every check.

What a row keeps cannot change once its day has ended: checks, those called toxic, the histogram of
toxic probabilities (figures.BINS bins) and the checks in the uncertain band of the serving threshold
it was counted at (a row counted at another threshold is counted again). Flags and reviews keep
arriving on old checks for weeks, so they are counted live, from the few checks that have either (the
prediction_monitored index holds just those). Deleting checks forgets their days' rows
(webapp/review/deletion.py); the retention task removes texts only, which nothing here reads.

Checks are stamped when they are stored, so a day is final once it ended SETTLE ago (a check stamped
before midnight may be committed just after it). Days are the server's (TIME_ZONE): after changing it,
delete the DailyCounts rows.
"""

import functools
import operator
from datetime import datetime, time, timedelta

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce, Floor, Trunc
from django.utils import timezone

from webapp.checker.models import UNCERTAIN_BAND, Prediction
from webapp.monitoring.models import DailyCounts

BINS = 10
SETTLE = timedelta(minutes=10)
KEPT = ("checks", "toxic", "uncertain")
CHANGING = ("flags", "reviewed", "corrected")
# The checks whose flags or reviews are counted live: the condition of the prediction_monitored index.
MONITORED = Q(flag_count__gt=0) | Q(reviewed_at__isnull=False)
REVIEWED = Q(reviewed_at__isnull=False) & ~Q(reviewed_label="")


def counts(version):
    """The aggregates of a group of checks, for QuerySet.aggregate/annotate."""
    return {**kept_counts(version), **changing_counts()}


def kept_counts(version):
    low, high = version.threshold - UNCERTAIN_BAND, version.threshold + UNCERTAIN_BAND
    return {
        "checks": Count("id"),
        "toxic": Count("id", filter=Q(label=Prediction.Label.TOXIC)),
        "uncertain": Count("id", filter=Q(toxic_probability__gt=low, toxic_probability__lt=high)),
    }


def changing_counts():
    return {
        "flags": Coalesce(Sum("flag_count"), 0),
        "reviewed": Count("id", filter=REVIEWED),
        "corrected": Count("id", filter=REVIEWED & ~Q(reviewed_label=F("label"))),
    }


def empty():
    return {**dict.fromkeys(KEPT + CHANGING, 0), "bins": [0] * BINS}


def by_day(version, start, end):
    """{local midnight: counts and "bins"} of `version`'s checks in [start, end) (`start` a local
    midnight), for the days that have any (a kept day with none has zeros): final days from their rows
    (counted now where missing), the rest from the checks themselves."""
    final = max(min(_midnight(_date(timezone.now() - SETTLE)), _midnight(_date(end))), start)
    days = {}
    if final > start:
        days.update(_kept(version, start, final))
        for at, changing in _changing(version, start, final).items():
            days.setdefault(at, empty()).update(changing)
    if end > final:
        days.update(_counted(version, final, end, counts(version)))
    return days


def keep(version, days):
    """Count and keep the ended days of the last `days` that have no row yet (the beat task's, so that a
    long window's first page finds them)."""
    today = _midnight(_date(timezone.now()))
    by_day(version, today - timedelta(days=days), today)


def forget(predictions):
    """Forget the kept days of these checks (a queryset about to be deleted)."""
    found = predictions.annotate(at=Trunc("created", "day")).values_list("model_version_id", "at").distinct()
    days = [Q(model_version_id=version_id, day=timezone.localtime(at).date()) for version_id, at in found]
    if days:
        DailyCounts.objects.filter(functools.reduce(operator.or_, days)).delete()


def _kept(version, start, end):
    """The kept counts of the whole days in [start, end), counting and keeping the days without a row."""
    wanted = [_date(start) + timedelta(days=n) for n in range((_date(end) - _date(start)).days)]
    rows = DailyCounts.objects.filter(
        model_version=version, day__gte=wanted[0], day__lte=wanted[-1], threshold=version.threshold
    )
    found = {row.day: {**empty(), **{name: getattr(row, name) for name in KEPT}, "bins": row.bins} for row in rows}
    missing = [day for day in wanted if day not in found]
    if missing:
        counted = _counted(
            version, _midnight(missing[0]), _midnight(missing[-1] + timedelta(days=1)), kept_counts(version)
        )
        new = {day: counted.get(_midnight(day), empty()) for day in missing}
        DailyCounts.objects.bulk_create(
            [
                DailyCounts(
                    model_version=version,
                    day=day,
                    threshold=version.threshold,
                    bins=row["bins"],
                    **{name: row[name] for name in KEPT},
                )
                for day, row in new.items()
            ],
            update_conflicts=True,
            unique_fields=["model_version", "day"],
            update_fields=["threshold", "bins", *KEPT],
        )
        found.update(new)
    return {_midnight(day): row for day, row in found.items()}


def _changing(version, start, end):
    rows = (
        Prediction.objects.filter(MONITORED, model_version=version, created__gte=start, created__lt=end)
        .annotate(at=Trunc("created", "day"))
        .values("at")
        .annotate(**changing_counts())
    )
    return {row.pop("at"): row for row in rows}


def _counted(version, start, end, aggregates):
    """`aggregates` and the probability histogram per day of the checks in [start, end), in one GROUP BY."""
    rows = (
        Prediction.objects.filter(model_version=version, created__gte=start, created__lt=end)
        .annotate(at=Trunc("created", "day"), bin=Floor(F("toxic_probability") * BINS))
        .values("at", "bin")
        .annotate(**aggregates)
    )
    days = {}
    for row in rows:
        day = days.setdefault(row.pop("at"), empty())
        day["bins"][min(int(row.pop("bin")), BINS - 1)] += row["checks"]
        for name, value in row.items():
            day[name] += value
    return days


def _date(moment):
    return timezone.localtime(moment).date()


def _midnight(day):
    return timezone.make_aware(datetime.combine(day, time()))
