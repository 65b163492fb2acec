"""A real browser: one model, one leading figure. The job list, the job page, the models list and the
model page all lead with the same F1, the gate's (its test comments at the serving threshold), and
every F1 or ROC-AUC shown says how many comments it was measured on and at which threshold."""

import pytest

from tests.support import chromium
from tests.support.accounts import staff_user
from webapp.checker import scoring
from webapp.checker.models import ModelVersion, SampleScores
from webapp.training.models import TrainingJob

pytestmark = pytest.mark.slow

RUN = {
    "threshold": 0.47,
    "test": {"f1": 0.0, "roc_auc": 0.7123, "n": 200, "precision": 0.0, "recall": 0.0},
    "test_at_threshold": {"f1": 0.5424, "n": 200, "precision": 0.5, "recall": 0.59},
}


@pytest.fixture
def jobs(transactional_db, settings, data_dir):
    """A job whose model is scored on the gate's 200 comments, and one without a model."""
    settings.TOXILAB_GATE_DATASET, settings.TOXILAB_GATE_TEST_COMMENTS = str(data_dir), 200
    user = staff_user("ada", password=chromium.PASSWORD)
    version = ModelVersion.objects.create(
        name="odd-v1", method="odd", teacher="bundled-minilm", artifact_path="/runs/odd", threshold=0.47, metrics=RUN
    )
    probabilities = [0.6] * 13 + [0.3] * 37 + [0.6] * 10 + [0.1] * 140  # 13 of 50 found, 10 false alarms
    SampleScores.objects.create(
        model_version=version, sample=scoring.sample_key(), labels=[1] * 50 + [0] * 150, probabilities=probabilities
    )
    scoring.set_threshold(version, 0.47)
    common = {"method": "odd", "teacher": "bundled-minilm", "dataset": str(data_dir), "config": {}, "created_by": user}
    promoted = TrainingJob.objects.create(status="succeeded", metrics=RUN, model_version=version, **common)
    unpromoted = TrainingJob.objects.create(status="succeeded", metrics=RUN, **common)
    return promoted, unpromoted, scoring.figures(version)


def test_every_page_leads_with_the_gates_f1_and_names_sample_and_threshold(live_server, jobs):
    promoted, unpromoted, gate = jobs
    f1 = f"{gate['f1']:.4f}"
    with chromium.launch() as browser:
        page = browser.new_page()
        chromium.log_in(page, live_server.url, "/dashboard/")
        listed = page.inner_text(f"#job-{promoted.pk} .figure")
        listed_unpromoted = page.inner_text(f"#job-{unpromoted.pk} .figure")

        page.goto(f"{live_server.url}/dashboard/jobs/{promoted.pk}/")
        job_lead = page.inner_text("#headline-figure")
        job_figures = page.inner_text("#final-model")
        page.goto(f"{live_server.url}/dashboard/jobs/{unpromoted.pk}/")
        unpromoted_lead = page.inner_text("#headline-figure")

        page.goto(f"{live_server.url}/dashboard/models/")
        models_row = page.inner_text(f"#versions tr[data-version='{promoted.model_version_id}'] .figure")
        page.goto(f"{live_server.url}/dashboard/models/{promoted.model_version_id}/")
        model_lead = page.inner_text("#headline-figure")

    assert f1 != "0.5424" and f1 != "0.0000"
    for shown in (listed, job_lead, models_row, model_lead):
        assert f1 in shown and "gate" in shown and "200" in shown and "0.47" in shown, shown
    assert "0.5424" in listed_unpromoted and "run" in listed_unpromoted and "200" in listed_unpromoted
    assert "0.47" in listed_unpromoted and "0.5424" in unpromoted_lead and "0.47" in unpromoted_lead
    assert "0.0000 at 0.500 on the run's 200 test comments" in job_figures
    assert "ROC-AUC 0.7123 on the run's 200 test comments" in job_figures
