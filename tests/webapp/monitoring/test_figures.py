"""The monitoring figures on PostgreSQL: per-day counts and shares of a version's checks, flags per
thousand, reviewed and corrected, accuracy on reviewed checks with its interval, promotions in the
window, the score drift that stays silent below its minimum, and ended days counted once and kept."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.support.accounts import staff_user
from webapp.checker.models import ModelVersion, Prediction, Promotion
from webapp.monitoring import figures
from webapp.monitoring.models import DailyCounts
from webapp.review import deletion

NOW = timezone.now().replace(hour=12, minute=0, second=0, microsecond=0)


@pytest.fixture
def version(db):
    return ModelVersion.objects.create(name="v1", method="odd", teacher="t", artifact_path="/x", threshold=0.5)


def checks(version, days_ago, *specs):
    """One prediction per (probability, flags, reviewed label or "") `days_ago` days before NOW."""
    rows = [
        Prediction(
            text="x" * (10 * (i + 1)),
            label="toxic" if p >= version.threshold else "non-toxic",
            toxic_probability=p,
            model_version=version,
            source="api",
            created=NOW - timedelta(days=days_ago, minutes=i + 1),
            flag_count=flags,
            reviewed_label=reviewed,
            reviewed_at=NOW if reviewed else None,
        )
        for i, (p, flags, reviewed) in enumerate(specs)
    ]
    Prediction.objects.bulk_create(rows)


def test_each_day_counts_its_checks_shares_flags_and_reviews(version):
    other = ModelVersion.objects.create(name="v0", method="odd", teacher="t", artifact_path="/y")
    checks(version, 2, (0.9, 0, "toxic"), (0.1, 2, "toxic"), (0.55, 0, ""), (0.2, 0, ""))
    checks(version, 0, (0.95, 1, "non-toxic"), (0.3, 0, "non-toxic"))
    checks(version, 9, (0.9, 0, ""))  # before the window
    checks(other, 0, (0.9, 5, ""))  # another version's

    report = figures.report(version, 3, now=NOW)

    days = [
        (row["checks"], row["toxic"], row["uncertain"], row["flags"], row["reviewed"], row["corrected"])
        for row in report["daily"]
    ]
    assert days == [(4, 2, 1, 2, 2, 1), (0, 0, 0, 0, 0, 0), (2, 1, 0, 1, 2, 1)]
    assert report["daily"][0]["toxic_share"] == 0.5 and report["daily"][0]["flags_per_1000"] == 500.0
    assert report["daily"][1]["toxic_share"] is None
    assert report["total"]["checks"] == 6 and report["total"]["flags_per_1000"] == pytest.approx(500.0)
    assert report["previous"]["checks"] == 0 and len(report["hourly"]) == figures.HOURS


def test_accuracy_is_on_reviewed_checks_with_an_interval(version):
    checks(
        version,
        1,
        (0.9, 0, "toxic"),
        (0.8, 0, "toxic"),
        (0.7, 0, "non-toxic"),
        (0.2, 0, "toxic"),
        (0.1, 0, "non-toxic"),
        (0.3, 0, ""),
    )

    found = figures.report(version, 7, now=NOW)["accuracy"]

    assert found["n"] == 5  # the unreviewed check is left out
    assert found["precision"] == pytest.approx(2 / 3) and found["recall"] == pytest.approx(2 / 3)
    assert found["f1"] == pytest.approx(2 / 3) and 0 <= found["f1_low"] <= found["f1"] <= found["f1_high"] <= 1
    assert "not a random sample" in found["sample"]


def test_score_drift_needs_its_minimum_and_a_reference(version, scored):
    checks(version, 0, *[(0.9, 0, "")] * 10)
    assert figures.report(version, 7, now=NOW)["score_drift"]["reference"] is None

    scored(version, probabilities=[0.05] * 150 + [0.95] * 50, labels=[0] * 150 + [1] * 50)
    few = figures.report(version, 7, now=NOW)["score_drift"]
    checks(version, 0, *[(0.05, 0, "")] * 150, *[(0.95, 0, "")] * 50)
    same = figures.report(version, 7, now=NOW)["score_drift"]
    checks(version, 0, *[(0.95, 0, "")] * 300)
    shifted = figures.report(version, 7, now=NOW)["score_drift"]

    assert few["psi"] is None and few["checks"] == 10 and few["reference_n"] == 200
    assert same["psi"] < 0.1 and shifted["psi"] > 0.25
    assert sum(shifted["served"]) == pytest.approx(1) and shifted["reference"][0] == 0.75


def test_promotions_in_the_window_are_listed_for_the_time_axis(version):
    Promotion.objects.create(model_version=version, promoted_at=NOW - timedelta(days=1), source="api")
    Promotion.objects.create(model_version=version, promoted_at=NOW - timedelta(days=30), source="api")

    found = figures.report(version, 7, now=NOW)["promotions"]

    assert [(p["name"], p["what"]) for p in found] == [("v1", "promotion")]


def test_ended_days_are_counted_once_and_kept_and_later_flags_reviews_deletions_and_thresholds_still_show(version):
    checks(version, 3, (0.9, 0, ""), (0.55, 0, ""), (0.1, 0, ""))
    checks(version, 2, (0.45, 0, ""), (0.2, 0, ""))
    checks(version, 0, (0.8, 0, ""))

    def days():
        return [
            (row["checks"], row["toxic"], row["uncertain"], row["flags"], row["reviewed"], row["corrected"])
            for row in figures.report(version, 4, now=NOW)["daily"]
        ]

    assert days() == [(3, 2, 1, 0, 0, 0), (2, 0, 1, 0, 0, 0), (0, 0, 0, 0, 0, 0), (1, 1, 0, 0, 0, 0)]
    kept = {row.day: row for row in DailyCounts.objects.filter(model_version=version)}
    three_days_ago, two_days_ago = (timezone.localtime(NOW - timedelta(days=n)).date() for n in (3, 2))
    assert timezone.localtime(NOW).date() not in kept, "today has not ended: counted from its checks"
    assert kept[three_days_ago].checks == 3 and kept[two_days_ago].checks == 2
    assert kept[three_days_ago].bins == [0, 1, 0, 0, 0, 1, 0, 0, 0, 1] and kept[three_days_ago].threshold == 0.5

    # Flags and reviews arrive on old checks: counted live, beside the kept counts.
    low = Prediction.objects.get(model_version=version, toxic_probability=0.1)
    Prediction.objects.filter(pk=low.pk).update(flag_count=2, reviewed_label="toxic", reviewed_at=NOW)
    assert days()[0] == (3, 2, 1, 2, 1, 1)

    # The kept row is what is read: checks removed behind its back do not change the day...
    Prediction.objects.filter(model_version=version, toxic_probability=0.45).delete()
    assert days()[1] == (2, 0, 1, 0, 0, 0)
    # ...but a deletion through the review pages (deletion.delete) has its own day counted again.
    deletion.delete(low, staff_user("ada"))
    assert days()[:2] == [(2, 2, 1, 0, 0, 0), (2, 0, 1, 0, 0, 0)]

    # A new serving threshold recounts every kept day (its uncertain band is 0.1 either side of 0.25).
    version.threshold = 0.25
    version.save(update_fields=["threshold"])
    assert [(row[0], row[2]) for row in days()] == [(2, 0), (1, 1), (0, 0), (1, 0)]
    assert set(DailyCounts.objects.filter(model_version=version).values_list("threshold", flat=True)) == {0.25}
