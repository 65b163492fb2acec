"""The study pages: the form launches a study, its page shows the results table (mean ± std), one
plain-language line per comparison and a chart per method, and it exports as CSV and JSON."""

import csv
import io
import json

from django.utils import timezone

from webapp.studies import studies
from webapp.studies.models import Study


def finished_study(staff, tiny_options, tiny_artifact_dir):
    """A study of teacher and odd over 2 seeds whose jobs all 'succeeded' with the tiny run's files."""
    options = {k: v for k, v in tiny_options.items() if k != "method"}
    study = studies.create({"methods": ["teacher", "odd"], "seeds": [1, 2], **options}, staff)
    metrics = json.loads((tiny_artifact_dir / "metrics.json").read_text())
    for run in study.runs.select_related("job"):
        job = run.job
        job.status, job.output_dir, job.metrics = "succeeded", str(tiny_artifact_dir), metrics
        job.started = job.finished = timezone.now()
        job.worker = "celery@test"
        job.save()
    return study


def test_the_study_page_shows_results_comparisons_in_words_and_a_chart_per_method(
    staff_client, staff, tiny_options, tiny_artifact_dir
):
    study = finished_study(staff, tiny_options, tiny_artifact_dir)
    page = staff_client.get(f"/dashboard/studies/{study.pk}/").content.decode()

    f1 = json.loads((tiny_artifact_dir / "metrics.json").read_text())["test"]["f1"]
    assert f"{f1:.4f} ± 0.0000" in page, "the same run twice: its mean, and no spread"
    # The tiny run calls every test comment non-toxic: no verdict is drawn from it.
    assert "odd vs teacher (test F1): verdict held back: 4 runs predict a single class" in page
    assert 'data-method="teacher"' in page and 'data-method="odd"' in page
    assert "2 of 4 jobs done" not in page and "4 of 4 jobs done (4 succeeded)" in page
    assert f'href="/dashboard/studies/{study.pk}/export.csv"' in page
    listing = staff_client.get("/dashboard/studies/").content.decode()
    assert f'href="/dashboard/studies/{study.pk}/"' in listing and "succeeded" in listing


def test_a_study_exports_as_csv_and_json(staff_client, staff, tiny_options, tiny_artifact_dir):
    study = finished_study(staff, tiny_options, tiny_artifact_dir)
    rows = list(
        csv.DictReader(io.StringIO(staff_client.get(f"/dashboard/studies/{study.pk}/export.csv").content.decode()))
    )
    exported = staff_client.get(f"/dashboard/studies/{study.pk}/export.json").json()

    assert sorted((row["method"], row["seed"]) for row in rows) == [
        ("odd", "1"),
        ("odd", "2"),
        ("teacher", "1"),
        ("teacher", "2"),
    ]
    assert exported == staff_client.get(f"/api/v1/studies/{study.pk}").json()
    assert exported["comparisons"][0]["paired_seeds"] == 2


def test_the_form_launches_a_study_and_refuses_bad_input_on_the_page(staff_client, tiny_options):
    form = {
        "methods": ["teacher", "lora"],
        "seeds": "2",
        "teacher": tiny_options["teacher"],
        "dataset": tiny_options["dataset"],
        "epochs": "1",
        "max_train_samples": "64",
        "vary_option": "lr",
        "vary_values": "0.001, 0.002",
    }
    response = staff_client.post("/dashboard/studies/new/", form)
    study = Study.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/dashboard/studies/{study.pk}/"
    assert study.vary == {"option": "lr", "values": [0.001, 0.002]} and study.runs.count() == 8

    bad = staff_client.post("/dashboard/studies/new/", {**form, "methods": ["odd"]})
    assert bad.status_code == 400 and "add teacher" in bad.content.decode() and Study.objects.count() == 1


def test_cancelling_from_the_page_cancels_the_study(staff_client, staff, tiny_options):
    options = {k: v for k, v in tiny_options.items() if k != "method"}
    study = studies.create({"methods": ["teacher", "odd"], "seeds": 1, **options}, staff)
    response = staff_client.post(f"/dashboard/studies/{study.pk}/cancel/")
    assert response.status_code == 302 and studies.status(study) == "cancelled"
