"""The monitoring figures on PostgreSQL: per-day counts and shares of a version's checks, flags per
thousand, reviewed and corrected, accuracy on reviewed checks with its interval, promotions in the
window, and the score drift that stays silent below its minimum."""

from datetime import timedelta

import pytest
from django.utils import timezone

from webapp.checker.models import ModelVersion, Prediction, Promotion
from webapp.monitoring import figures

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
    checks(version, 1, *[(0.05, 0, "")] * 150, *[(0.95, 0, "")] * 50)
    same = figures.report(version, 7, now=NOW)["score_drift"]
    checks(version, 1, *[(0.95, 0, "")] * 300)
    shifted = figures.report(version, 7, now=NOW)["score_drift"]

    assert few["psi"] is None and few["checks"] == 10 and few["reference_n"] == 200
    assert same["psi"] < 0.1 and shifted["psi"] > 0.25
    assert sum(shifted["served"]) == pytest.approx(1) and shifted["reference"][0] == 0.75


def test_promotions_in_the_window_are_listed_for_the_time_axis(version):
    Promotion.objects.create(model_version=version, promoted_at=NOW - timedelta(days=1), source="api")
    Promotion.objects.create(model_version=version, promoted_at=NOW - timedelta(days=30), source="api")

    found = figures.report(version, 7, now=NOW)["promotions"]

    assert [(p["name"], p["what"]) for p in found] == [("v1", "promotion")]
