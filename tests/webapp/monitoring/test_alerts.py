"""Traffic through the real API whose scores shift away from the model's test comments: the drift
figure crosses its limit, the alert shows in the staff header and the API, and it is logged once; staff
only see the figures, and bad parameters get a 4xx with a reason."""

import csv
import logging
import random

import pytest

from tests.support.accounts import staff_user
from webapp.checker import scoring
from webapp.checker.registry import register
from webapp.monitoring import alerts


def comments(data_dir, split, toxic=None, n=256, seed=0):
    with open(data_dir / f"{split}.csv", newline="", encoding="utf-8") as f:
        rows = [row for row in csv.DictReader(f) if toxic is None or row["label"] == str(int(toxic))]
    return [row["comment_text"][:2000] for row in random.Random(seed).sample(rows, n)]


def send(check_api, texts):
    for start in range(0, len(texts), 64):
        assert check_api({"texts": texts[start : start + 64]}).status_code == 200


@pytest.fixture
def served(db, baseline_dir, settings):
    settings.TOXILAB_ALERT_TOXIC_SHARE_CHANGE = 100.0  # this test is about drift alone
    version = register(baseline_dir, name="baseline", activate=True)
    scoring.measure(version)
    return version


def test_shifted_traffic_crosses_the_drift_alert_once(served, check_api, data_dir, client, caplog):
    send(check_api, comments(data_dir, "test"))
    calm = alerts.crossed(served)
    send(check_api, comments(data_dir, "train", toxic=True, n=512))
    with caplog.at_level(logging.WARNING, logger="webapp.monitoring.alerts"):
        first, again = alerts.crossed(served), alerts.crossed(served)
    client.force_login(staff_user("sam"))
    header = client.get("/dashboard/monitoring/").content.decode()
    api = client.get("/api/v1/monitoring", {"days": 7}).json()

    assert calm == [], calm
    assert [alert["kind"] for alert in first] == ["drift"] == [alert["kind"] for alert in again]
    assert first[0]["value"] > 0.25 and "drifted" in first[0]["message"]
    assert len([r for r in caplog.records if "monitoring alert" in r.getMessage()]) == 1
    assert 'id="alert-count">1 alert</span>' in header and 'id="monitoring-alerts"' in header
    assert api["version"]["id"] == served.pk and api["total"]["checks"] == 768 and len(api["daily"]) == 7
    assert api["score_drift"]["psi"] == pytest.approx(first[0]["value"], abs=1e-3)
    assert [alert["kind"] for alert in api["alerts"]] == ["drift"]


def test_only_staff_see_it_and_bad_parameters_are_told(db, client, tiny_artifact_dir):
    version = register(tiny_artifact_dir, name="tiny", activate=True)
    assert client.get("/api/v1/monitoring").status_code == 401
    assert client.get("/dashboard/monitoring/").status_code == 302
    client.force_login(staff_user("sam"))

    ok = client.get("/api/v1/monitoring", {"model": version.pk, "days": 30})
    bad_days = client.get("/api/v1/monitoring", {"days": "a week"})
    too_many = client.get("/api/v1/monitoring", {"days": 1000})
    unknown = client.get("/api/v1/monitoring", {"model": 999999})
    page = client.get("/dashboard/monitoring/", {"days": "a week"})

    assert ok.status_code == 200 and len(ok.json()["daily"]) == 30 and ok.json()["total"]["checks"] == 0
    assert bad_days.status_code == 400 and "whole number" in bad_days.json()["error"]
    assert too_many.status_code == 400 and "between 1 and 366" in too_many.json()["error"]
    assert unknown.status_code == 404 and "999999" in unknown.json()["error"]
    assert page.status_code == 400 and "whole number" in page.content.decode()
