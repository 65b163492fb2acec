"""A real browser on the study form: it starts as a small study (a teacher and one student, one seed, a
sample of the data), it has the custom student's layer map, and it says how many jobs the choices queue
and, from the finished jobs of those methods, about how long they take."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.support import chromium
from tests.support.accounts import staff_user
from webapp.studies.models import Study
from webapp.training.models import TrainingJob

pytestmark = pytest.mark.slow


def test_the_study_form_starts_small_has_a_layer_map_and_previews_jobs_and_time(server, data_dir):
    staff_user("tess", password=chromium.PASSWORD, groups=["Trainers"])
    end = timezone.now()
    for method, minutes in (("teacher", 20), ("odd", 10), ("custom", 10)):
        TrainingJob.objects.create(
            method=method, teacher="t", dataset="d", config={}, status="succeeded",
            started=end - timedelta(minutes=minutes), finished=end,
        )  # fmt: skip
    with chromium.launch() as browser:
        page = browser.new_page()
        chromium.log_in(page, server.url, "/dashboard/studies/new/", username="tess")
        ticked = page.eval_on_selector_all("input[name=methods]:checked", "boxes => boxes.map((b) => b.value)")
        seeds = page.input_value("#id_seeds")
        train = page.input_value("#id_max_train_samples")
        small = page.inner_text("#study-preview")

        page.uncheck("input[name=methods][value=odd]")
        page.check("input[name=methods][value=custom]")
        page.fill("#id_seeds", "3")
        page.fill("#id_dataset", str(data_dir))
        page.fill("#id_layers", "0,2")
        bigger = page.inner_text("#study-preview")
        page.click("form.launch button[type=submit]")
        page.wait_for_url(f"{server.url}/dashboard/studies/*/")

    assert ticked == ["teacher", "odd"] and seeds == "1" and int(train) <= 2000
    assert "2 jobs" in small and "30 min" in small
    assert "6 jobs" in bigger and "1 h 30 min" in bigger
    study = Study.objects.get()
    configs = {run.method: run.job.config for run in study.runs.select_related("job")}
    assert configs["custom"]["layers"] == [0, 2] and configs["teacher"].get("layers") is None
