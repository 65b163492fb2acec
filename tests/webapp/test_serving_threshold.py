"""Each version's serving threshold: the checker labels by it on the page and the API, the model page
shows and changes it, and the real tiny model is scored on the gate's sample; `register_model --activate`
goes through the gate (exit 2 with one line when refused, --force to override)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from services import require_real_services, shared_database_url

from webapp.checker import scoring
from webapp.checker.models import ModelVersion, Promotion, SampleScores
from webapp.checker.registry import register

ROOT = Path(__file__).resolve().parents[2]
TEXT = "Thanks for fixing the citation."


def set_threshold(client, version, threshold):
    """Past the gate (these tests are about labelling; the unscored tiny model cannot be judged)."""
    payload = {"threshold": threshold, "force": True, "note": "labelling test"}
    return client.put(f"/api/v1/models/{version.pk}/threshold", payload, content_type="application/json")


def test_the_checker_labels_by_the_versions_threshold_on_the_api_and_the_page(active_model, staff_client, client):
    first = client.post("/api/v1/check", {"text": TEXT}, content_type="application/json").json()
    probability = first["results"][0]["toxic_probability"]
    assert first["model"]["threshold"] == active_model.threshold

    assert set_threshold(staff_client, active_model, min(probability + 0.05, 1.0)).status_code == 200
    high = client.post("/api/v1/check", {"text": TEXT}, content_type="application/json").json()
    high_page = client.post("/", {"text": TEXT}).content.decode()

    assert set_threshold(staff_client, active_model, max(probability - 0.05, 0.0)).status_code == 200
    low = client.post("/api/v1/check", {"text": TEXT}, content_type="application/json").json()
    low_page = client.post("/", {"text": TEXT}).content.decode()

    assert high["results"][0]["toxic_probability"] == pytest.approx(probability)
    assert (high["results"][0]["label"], low["results"][0]["label"]) == ("non-toxic", "toxic")
    assert high["model"]["threshold"] == pytest.approx(probability + 0.05)
    assert 'data-label="non-toxic"' in high_page and 'data-label="toxic"' in low_page
    cutoff = f'data-cutoff="{max(probability - 0.05, 0.0):.4f}"'
    assert cutoff in low_page and "Uncertain: the probability is close to the cutoff" in low_page


def test_a_probability_far_from_the_cutoff_is_not_called_uncertain(active_model, staff_client, client):
    set_threshold(staff_client, active_model, 0.9)  # the tiny model answers about 0.48: 0.42 below

    page = client.post("/", {"text": TEXT}).content.decode()

    assert 'data-label="non-toxic"' in page and "Uncertain" not in page
    assert 'this model calls a comment toxic from <strong class="verdict-cutoff">90.0%</strong>' in page


def test_a_threshold_outside_0_to_1_or_not_a_number_is_refused_with_the_reason(active_model, staff_client):
    assert set_threshold(staff_client, active_model, 1.5).status_code == 400
    for bad in ("abc", "1.5", ""):
        page = staff_client.post(f"/dashboard/models/{active_model.pk}/threshold/", {"threshold": bad}, follow=True)
        assert "Threshold not changed" in page.content.decode()
    active_model.refresh_from_db()
    assert active_model.threshold == active_model.tuned_threshold


def test_registering_serves_at_the_tuned_threshold_and_the_page_shows_figures_and_the_curve(
    db, tiny_artifact_dir, staff_client
):
    version = register(tiny_artifact_dir, name="tiny")
    metrics = json.loads((tiny_artifact_dir / "metrics.json").read_text())
    assert version.threshold == metrics["threshold"]
    assert len(metrics["validation_curve"]["threshold"]) == 101

    scores = scoring.measure(version)
    page = staff_client.get(f"/dashboard/models/{version.pk}/").content.decode()

    assert len(scores.probabilities) == len(scores.labels) == 200
    figures = scoring.figures(version)
    version.refresh_from_db()
    assert version.serving_f1 == pytest.approx(figures["f1"])
    assert f"{figures['f1']:.4f}" in page and f"{figures['precision']:.4f}" in page
    assert 'id="pr-curve"' in page and 'id="curve-data"' in page and 'id="threshold-form"' in page


def test_a_run_without_a_stored_curve_says_so_on_its_page(db, staff_client):
    old = ModelVersion.objects.create(name="old", method="odd", teacher="t", artifact_path="/x", metrics={})

    page = staff_client.get(f"/dashboard/models/{old.pk}/").content.decode()

    assert 'id="no-curve"' in page and "not scored on the gate's test sample yet" in page


def register_cli(directory, data_dir, *args):
    """manage.py register_model in its own process, on this test's database and gate sample."""
    env = {
        "DATABASE_URL": shared_database_url(),
        "TOXILAB_GATE_DATASET": str(data_dir),
        "TOXILAB_GATE_TEST_COMMENTS": "200",
        "TOXILAB_RUNTIME_CHOICE": "0",
    }
    return subprocess.run(
        [sys.executable, "manage.py", "register_model", str(directory), *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.django_db(transaction=True)
def test_register_model_activate_is_refused_with_exit_2_and_one_line_then_force_activates(tiny_artifact_dir, data_dir):
    require_real_services()
    refused = register_cli(tiny_artifact_dir, data_dir, "--name", "weak", "--activate")

    assert refused.returncode == 2
    [line] = refused.stderr.strip().splitlines()
    weak = ModelVersion.objects.get(name="weak")
    assert line.startswith(f"CommandError: model {weak.pk} is registered but not active: its test F1 0.")
    assert line.endswith("is under the minimum 0.50; --force activates it anyway")
    assert "candidate 'weak': test F1" in refused.stdout and ModelVersion.current() is None

    forced = register_cli(tiny_artifact_dir, data_dir, "--name", "weak-forced", "--activate", "--force")

    assert forced.returncode == 0, forced.stderr
    promotion = Promotion.objects.get()
    assert (promotion.model_version.name, promotion.source, promotion.forced) == ("weak-forced", "cli", True)
    assert "is under the minimum 0.50" in promotion.reason
    assert SampleScores.objects.filter(model_version=promotion.model_version).exists()
