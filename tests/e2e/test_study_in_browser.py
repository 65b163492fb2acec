"""A real browser (Chromium) on a study's page as daphne serves it: one loss chart per method, one
series per seed's run, the comparisons in words, and no script error (the page's CSP included)."""

import pytest

from tests.support import chromium
from webapp.studies.models import Study, StudyRun
from webapp.training.models import TrainingJob


@pytest.fixture
def study(server):
    study = Study.objects.create(methods=["teacher", "odd"], seeds=[1, 2], options={})
    for method in study.methods:
        for seed in study.seeds:
            job = TrainingJob.objects.create(method=method, teacher="t", dataset="d", config={}, status="running")
            for step in (1, 2, 3):
                job.points.create(step=step, epoch=step / 3, loss=seed / step, components={"cls": seed / step})
            StudyRun.objects.create(study=study, job=job, method=method, seed=seed)
    return study


def test_the_study_page_draws_a_chart_per_method_with_a_curve_per_seed(server, study):
    errors = []
    with chromium.launch() as browser:
        page = browser.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        outside = chromium.keep_local(page, server.url)
        chromium.log_in(page, server.url, "/dashboard/studies/")
        page.goto(f"{server.url}/dashboard/studies/{study.pk}/")
        page.wait_for_function("() => document.querySelectorAll('canvas[data-series]').length === 2", timeout=30_000)
        series = page.eval_on_selector_all(
            "#study-curves canvas", "all => all.map((c) => [c.dataset.method, Chart.getChart(c).data.datasets.length])"
        )
        sentences = page.inner_text("#study-comparisons")

    assert series == [["teacher", 2], ["odd", 2]]
    assert "odd vs teacher (test F1): not compared yet" in sentences
    assert errors == [] and outside == []
