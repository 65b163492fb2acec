"""A real browser (Debian's Chromium through Playwright) on the dashboard as daphne serves it, with a
real Celery worker: staff log in, launch a small job, watch its loss appear live on the chart while it
runs, and promote the result to the checker from the model's page. Every request the page makes stays on the server."""

import pytest
from services import TrainingWorkers, daphne, require_real_services, settle_database

from tests.support import chromium
from tests.support.accounts import staff_user
from webapp.checker.models import ModelVersion
from webapp.training.models import TrainingJob


@pytest.fixture
def dashboard(transactional_db, settings, tmp_path):
    """The ASGI server and a training worker on this test's database; both stopped at the end."""
    require_real_services()
    workers = TrainingWorkers(tmp_path)
    workers.configure(settings)
    server = daphne(workers.env(), tmp_path / "daphne.log")
    try:
        workers.ensure()
        staff_user("ada", password=chromium.PASSWORD, groups=["Trainers", "Model owners"])
        yield server
    finally:
        server.stop()
        workers.stop()
        settle_database()  # the backends of a worker killed at the end may still hold locks


def fill_launch_form(page, teacher, data):
    page.select_option("#id_method", "teacher")
    page.fill("#id_teacher", str(teacher))
    page.fill("#id_dataset", str(data))
    for field, value in {
        "epochs": "4",
        "batch_size": "16",
        "max_length": "32",
        "max_train_samples": "64",
        "max_eval_samples": "32",
        "lr": "0.001",
    }.items():
        page.fill(f"#id_{field}", value)
    page.click("#options-advanced summary")
    page.fill("#id_log_every_steps", "1")


def test_staff_launch_a_job_watch_its_loss_live_and_promote_it(dashboard, tiny_bert_dir, data_dir):
    with chromium.launch() as browser:
        page = browser.new_page()
        outside = chromium.keep_local(page, dashboard.url)

        chromium.log_in(page, dashboard.url)

        page.click("text=Launch a job")
        fill_launch_form(page, tiny_bert_dir, data_dir)
        page.click("text=Queue the job")
        page.wait_for_url("**/dashboard/jobs/*/")
        drawn_at_load = int(page.get_attribute("#loss-chart", "data-points"))

        page.wait_for_function(
            "() => Number(document.getElementById('loss-chart').dataset.points) >= 2"
            " && document.getElementById('job-status').textContent.startsWith('running')",
            timeout=120_000,
        )
        drawn_live = int(page.get_attribute("#loss-chart", "data-points"))

        page.wait_for_selector("h2:text('Final model')", timeout=120_000)  # the page reloads once it succeeded
        page.click("form[data-action=promote] button")  # to the model's page: its figures beside the active's
        page.wait_for_selector("#gate-figures")
        force = page.query_selector("#activate-form input[name=force]")
        if force is not None:  # a 16-step tiny model may well be under the gate's minimum F1
            force.check()
        page.click("#activate-form button")
        notice = page.wait_for_selector(".messages li").inner_text()

    job = TrainingJob.objects.get()
    assert drawn_live > drawn_at_load, "points were added to the chart while the job was running"
    assert job.status == "succeeded" and job.points.count() == job.total_steps == 16
    assert ModelVersion.current().name == f"job-{job.pk}" and "now serves the checker" in notice
    assert outside == []
