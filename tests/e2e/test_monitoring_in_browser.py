"""A real Chromium on the monitoring page: the day and hour charts and the drift histogram are drawn
from the stored checks, a promotion is marked on the time axis, and the figures say what they are."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.support import chromium
from webapp.checker.models import ModelVersion, Prediction, Promotion

pytestmark = pytest.mark.slow
POINTS = "(id) => Chart.getChart(document.getElementById(id)).data.datasets.map((d) => d.data.filter((v) => v).length)"


def test_the_page_draws_the_checks_marks_the_promotion_and_explains_the_figures(server):
    version = ModelVersion.objects.create(name="odd-v2", method="odd", teacher="t", artifact_path="/x", active=True)
    now = timezone.now()
    Prediction.objects.bulk_create(
        Prediction(
            text="some comment",
            label="toxic" if i % 4 == 0 else "non-toxic",
            toxic_probability=0.9 if i % 4 == 0 else 0.1,
            model_version=version,
            source="page",
            created=now - timedelta(days=i % 3, minutes=i + 1),
            flag_count=int(i == 3),
        )
        for i in range(30)
    )
    Promotion.objects.create(model_version=version, promoted_at=now - timedelta(days=1), source="dashboard")
    with chromium.launch() as browser:
        page = browser.new_page()
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        chromium.log_in(page, server.url, "/dashboard/monitoring/")
        page.wait_for_selector("#monitoring-form[data-drawn=yes]")
        daily = page.evaluate(POINTS, "daily-chart")
        marked = page.get_attribute("#daily-chart", "data-promotions-drawn")
        drift = page.inner_text("#score-drift")
        words = page.inner_text("#word-drift")
        domain = page.inner_text("#domain-drift")
        totals = page.inner_text("#monitoring-totals")
        current = page.get_attribute(".site-nav a[aria-current=page]", "href")

    assert errors == []
    assert daily[0] == 3 and daily[1] == 3  # checks and the toxic share on each of the 3 days with checks
    assert marked == "1"
    assert "no scores on the gate's test comments" in drift
    assert "not measured (/x is not a finished run" in words  # its files are not there to count words with
    assert "not measured: it needs 50 comments on each side (30 served" in domain
    assert "checks\n30" in totals and current == "/dashboard/monitoring/"
