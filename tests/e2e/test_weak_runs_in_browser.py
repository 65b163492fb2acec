"""A real browser: weak runs are hard to make and to promote by accident. The launch form warns before
it queues a student distilled from a teacher whose classification head is untrained (the bundled MiniLM),
and queues it only once that is acknowledged; a job's page shows the gate's verdict on its model first,
with Promote as a secondary button when the gate would refuse it."""

import pytest

from tests.support import chromium
from tests.support.accounts import staff_user
from webapp.checker import scoring
from webapp.checker.models import ModelVersion, SampleScores
from webapp.training.models import TrainingJob

pytestmark = pytest.mark.slow

SENT_FIRST = "([a, b]) => !!(document.querySelector(a).compareDocumentPosition(document.querySelector(b)) & 4)"


def test_distilling_from_an_untrained_teacher_is_warned_on_the_form(server, data_dir):
    staff_user("tess", password=chromium.PASSWORD, groups=["Trainers"])
    with chromium.launch() as browser:
        page = browser.new_page()
        chromium.log_in(page, server.url, "/dashboard/jobs/new/", username="tess")
        page.select_option("#id_method", "odd")
        page.fill("#id_teacher", "bundled-minilm")
        page.fill("#id_dataset", str(data_dir))
        page.fill("#id_max_train_samples", "64")
        page.click("#launch-form button[type=submit]")
        warning = page.inner_text("#teacher-errors")
        stayed = page.url
        page.check("#id_untrained_teacher_ok")
        page.click("#launch-form button[type=submit]")
        page.wait_for_url(f"{server.url}/dashboard/jobs/*/")

    assert "untrained" in warning and "bundled-minilm" in warning
    assert stayed.endswith("/dashboard/jobs/new/")
    job = TrainingJob.objects.get()
    assert (job.method, job.teacher) == ("odd", "bundled-minilm")


def version_with_f1(name, found):
    """A version scored on the gate's 200 comments, finding `found` of the 50 toxic ones, no false alarm."""
    version = ModelVersion.objects.create(name=name, method="odd", teacher="t", artifact_path=f"/runs/{name}")
    probabilities = [0.9] * found + [0.1] * (50 - found) + [0.1] * 150
    SampleScores.objects.create(
        model_version=version, sample=scoring.sample_key(), labels=[1] * 50 + [0] * 150, probabilities=probabilities
    )
    scoring.set_threshold(version, 0.5)
    return version


def test_the_job_page_leads_with_the_gates_verdict_and_demotes_promote_when_it_would_refuse(server, settings, data_dir):
    settings.TOXILAB_GATE_DATASET, settings.TOXILAB_GATE_TEST_COMMENTS = str(data_dir), 200
    staff_user("olga", password=chromium.PASSWORD, groups=["Model owners"])
    common = {"method": "odd", "teacher": "t", "dataset": "d", "config": {}, "status": "succeeded"}
    weak = TrainingJob.objects.create(model_version=version_with_f1("weak", 5), **common)
    strong = TrainingJob.objects.create(model_version=version_with_f1("strong", 45), **common)
    with chromium.launch() as browser:
        page = browser.new_page()
        chromium.log_in(page, server.url, f"/dashboard/jobs/{weak.pk}/", username="olga")
        weak_verdict = page.inner_text("#job-gate")
        weak_first = page.evaluate(SENT_FIRST, ["#job-gate", ".actions"])
        weak_button = page.get_attribute("form[data-action=promote] button", "class") or ""
        page.goto(f"{server.url}/dashboard/jobs/{strong.pk}/")
        strong_verdict = page.inner_text("#job-gate")
        strong_button = page.get_attribute("form[data-action=promote] button", "class") or ""

    assert "would refuse" in weak_verdict and "under the minimum" in weak_verdict and "200" in weak_verdict
    assert weak_first and "secondary" in weak_button
    assert "would pass" in strong_verdict and "secondary" not in strong_button
