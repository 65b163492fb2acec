"""A real browser on a job that the server started (the starter: no user): its page says so instead of
"by ?", options read as people write them ("no", not "False"; a dash, not "None"), and a copy's form
shows a float as a short number, not 0.3333333333333333."""

import pytest

from tests.support import chromium
from tests.support.accounts import staff_user
from webapp.training.models import TrainingJob

pytestmark = pytest.mark.slow


def test_a_servers_job_reads_plainly_on_its_page_the_list_and_a_copys_form(server):
    staff_user("tess", password=chromium.PASSWORD, groups=["Trainers"])
    config = {"method": "odd", "cpu": False, "layers": None, "temperature": 1 / 3, "epochs": 1}
    job = TrainingJob.objects.create(method="odd", teacher="t", dataset="d", config=config, status="succeeded")
    with chromium.launch() as browser:
        page = browser.new_page()
        chromium.log_in(page, server.url, f"/dashboard/jobs/{job.pk}/", username="tess")
        facts = page.inner_text("dl.facts")
        options = dict(
            page.eval_on_selector_all(
                "table[aria-label] tr, .table-scroll[aria-label=configuration] tr",
                "rows => rows.filter((r) => r.querySelector('th') && r.querySelector('td'))"
                ".map((r) => [r.querySelector('th').textContent.trim(), r.querySelector('td').textContent.trim()])",
            )
        )
        page.goto(f"{server.url}/dashboard/")
        by = page.inner_text(f"#job-{job.pk} td:nth-last-child(2)")
        page.goto(f"{server.url}/dashboard/jobs/new/?from={job.pk}")
        temperature = page.input_value("#id_temperature")

    assert "by ?" not in facts and "by the server" in facts
    assert options["cpu"] == "no" and options["temperature"] == "0.3333"
    assert "None" not in options.values() and "False" not in options.values()
    assert by == "the server"
    assert temperature == "0.333333"


def test_the_baseline_job_says_it_has_no_loss_instead_of_an_empty_loss_chart(server):
    staff_user("tess", password=chromium.PASSWORD, groups=["Trainers"])
    baseline = TrainingJob.objects.create(method="baseline", teacher="", dataset="d", config={}, status="succeeded")
    student = TrainingJob.objects.create(method="odd", teacher="t", dataset="d", config={}, status="succeeded")
    with chromium.launch() as browser:
        page = browser.new_page()
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        chromium.log_in(page, server.url, f"/dashboard/jobs/{baseline.pk}/", username="tess")
        note = page.inner_text("#no-loss")
        baseline_chart = page.is_visible("#loss-chart")
        page.goto(f"{server.url}/dashboard/jobs/{student.pk}/")
        student_chart, student_note = page.is_visible("#loss-chart"), page.query_selector("#no-loss")

    assert "no training loss" in note and not baseline_chart
    assert student_chart and student_note is None and errors == []
