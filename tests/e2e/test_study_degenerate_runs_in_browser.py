"""A real browser on a study whose runs of one method call every test comment non-toxic: those runs are
flagged, the comparison that involves them holds its verdict back (though their ROC-AUC differs), and the
header says how many comments the runs were trained and tested on, and for how many epochs."""

import numpy as np
import pytest

from ml.artifacts import PREDICTIONS_FILE, write_predictions
from ml.evaluate import compute_metrics
from tests.support import chromium
from webapp.studies.models import Study, StudyRun
from webapp.training.models import TrainingJob

pytestmark = pytest.mark.slow


def finished_run(tmp_path, name, labels, probs):
    run_dir = tmp_path / name
    run_dir.mkdir()
    texts = [f"comment {i}" for i in range(len(labels))]
    write_predictions(run_dir / PREDICTIONS_FILE, texts, labels, probs)
    metrics = {
        "test": compute_metrics(labels, probs),
        "data": {"train": {"rows": 64}, "test": {"rows": len(labels)}},
    }
    return TrainingJob.objects.create(
        method=name.split("-")[0], teacher="t", dataset="d", config={"epochs": 1, "seed": 1},
        status="succeeded", metrics=metrics, output_dir=str(run_dir),
    )  # fmt: skip


@pytest.fixture
def study(server, tmp_path):
    rng = np.random.default_rng(0)
    labels = np.array([1] * 40 + [0] * 160)
    study = Study.objects.create(methods=["odd", "even"], seeds=[1, 2], options={})
    for seed in study.seeds:
        ranked = np.clip(labels * 0.2 + rng.uniform(0, 0.25, 200), 0, 0.49)  # ranks well, never reaches 0.5
        noise = rng.uniform(0, 0.49, 200)  # ranks at random, never reaches 0.5
        for method, probs in (("odd", ranked), ("even", noise)):
            job = finished_run(tmp_path, f"{method}-{seed}", labels, probs)
            StudyRun.objects.create(study=study, job=job, method=method, seed=seed)
    return study


def test_runs_that_predict_one_class_are_flagged_and_hold_the_verdict_back(server, study):
    with chromium.launch() as browser:
        page = browser.new_page()
        chromium.log_in(page, server.url, "/dashboard/studies/")
        page.goto(f"{server.url}/dashboard/studies/{study.pk}/")
        sentences = page.inner_text("#study-comparisons")
        flagged = page.eval_on_selector_all("#study-jobs tr.one-class", "rows => rows.length")
        flags = page.inner_text("#study-jobs")
        header = page.inner_text("#study-sample")

    assert "better" not in sentences and "held back" in sentences
    assert "4 runs predict a single class" in sentences
    assert flagged == 4 and "predicts non-toxic for every test comment" in flags
    assert "200 test comments" in header and "64 training comments" in header and "1 epoch" in header
