"""Reviewed predictions as training data: the launch form and the API add them to a job's training
split; a real (tiny) run trains on those new to the dataset, and validation and test stay as they were."""

import csv
import re

import pandas as pd
import pytest
from services import tiny_job_options

from tests.support.jobs import form_data
from webapp.review import actions
from webapp.training import jobs, lifecycle
from webapp.training.models import TrainingJob


@pytest.fixture
def quiet_queue(monkeypatch, settings, tmp_path):
    """Launches store their job but send nothing to Redis (the test runs the task itself)."""
    sent = []
    monkeypatch.setattr(lifecycle, "enqueue", lambda job: sent.append(job.pk))
    settings.TOXILAB_ARTIFACTS_DIR = tmp_path / "artifacts"
    return sent


@pytest.fixture
def reviewed(staff, make_prediction, data_dir):
    """Twelve reviewed comments new to the dataset, and one that is already in its training split."""
    known = pd.read_csv(data_dir / "train.csv", nrows=1)["comment_text"][0]
    rows = [make_prediction(f"reviewed comment number {n} about zebras", label="toxic") for n in range(12)]
    rows.append(make_prediction(known.upper(), label="toxic"))
    actions.review([p.pk for p in rows[:6]], staff, "non-toxic")
    actions.review([p.pk for p in rows[6:]], staff, "confirm")
    make_prediction("never reviewed, so never used")
    return rows


@pytest.mark.django_db(transaction=True)
def test_a_job_launched_with_the_reviewed_predictions_trains_on_the_new_ones_only(
    staff_client, reviewed, quiet_queue, tiny_bert_dir, data_dir
):
    from worker.tasks import train_job

    options = tiny_job_options(tiny_bert_dir, data_dir)
    response = staff_client.post("/dashboard/jobs/new/", form_data(options, include_reviewed="on"))
    job = TrainingJob.objects.get()
    assert response.status_code == 302 and quiet_queue == [job.pk]
    extra = job.config["extra_train_file"]
    with open(extra, newline="") as file:
        written = list(csv.DictReader(file))
    assert job.reviewed_rows == len(written) == 13
    assert sorted(row["label"] for row in written) == ["0"] * 6 + ["1"] * 7, "the reviewer's label, as 0/1"

    assert train_job.apply(args=[job.pk], task_id=job.celery_task_id).get() == "succeeded"

    job.refresh_from_db()
    data = job.metrics["data"]
    assert job.status == "succeeded" and job.reviewed_rows_used == data["extra_train_rows"] == 12
    assert data["train"]["rows"] == 64 + 12
    assert data["validation"]["rows"] == data["test"]["rows"] == 32, "validation and test are untouched"
    html = staff_client.get(f"/dashboard/jobs/{job.pk}/").content.decode()
    assert "13 added, 12 used (new to the dataset)" in html


def test_the_api_takes_include_reviewed_and_reports_the_counts(api, reviewed, quiet_queue, tiny_bert_dir, data_dir):
    options = tiny_job_options(tiny_bert_dir, data_dir)
    response = api("post", "/jobs", {**options, "include_reviewed": True})
    assert response.status_code == 201
    body = response.json()
    assert (body["reviewed_rows"], body["reviewed_rows_used"]) == (13, None)
    assert re.search(rf"reviewed/job-{body['id']}-[0-9a-f]{{8}}\.csv$", body["config"]["extra_train_file"])
    plain = api("post", "/jobs", options).json()
    assert plain["reviewed_rows"] is None and plain["config"]["extra_train_file"] is None


def test_reviewed_rows_are_refused_when_there_are_none_or_with_another_extra_file(
    api, db, quiet_queue, tiny_bert_dir, data_dir, tmp_path
):
    options = tiny_job_options(tiny_bert_dir, data_dir)
    none_yet = api("post", "/jobs", {**options, "include_reviewed": True})
    assert none_yet.status_code == 400 and none_yet.json() == {
        "error": "include_reviewed: no prediction has been reviewed yet",
        "field": "include_reviewed",
        "fields": {"include_reviewed": "no prediction has been reviewed yet"},
    }

    other = tmp_path / "mine.csv"
    other.write_text("text,label\nsomething new,1\nsomething else,0\n")
    both = api("post", "/jobs", {**options, "include_reviewed": True, "extra_train_file": str(other)})
    assert both.json()["field"] == "include_reviewed" and "cannot be combined" in both.json()["error"]
    assert quiet_queue == [] and not TrainingJob.objects.exists()


def test_an_extra_train_file_with_text_and_label_columns_is_accepted_for_any_dataset(
    api, db, quiet_queue, tiny_bert_dir, data_dir, tmp_path
):
    own = tmp_path / "mine.csv"
    own.write_text("text,label\nsomething new,1\nsomething else,0\n")
    response = api("post", "/jobs", {**tiny_job_options(tiny_bert_dir, data_dir), "extra_train_file": str(own)})
    assert response.status_code == 201, response.json()


def test_the_form_offers_the_choice_and_a_copy_takes_a_fresh_snapshot(
    staff_client, reviewed, quiet_queue, tiny_bert_dir, data_dir
):
    assert 'name="include_reviewed"' in staff_client.get("/dashboard/jobs/new/").content.decode()
    staff_client.post(
        "/dashboard/jobs/new/", form_data(tiny_job_options(tiny_bert_dir, data_dir), include_reviewed="on")
    )
    job = TrainingJob.objects.get()

    form = staff_client.get(f"/dashboard/jobs/new/?from={job.pk}").context["form"]
    assert form.initial["include_reviewed"] is True and "extra_train_file" not in form.initial

    TrainingJob.objects.filter(pk=job.pk).update(status="failed")
    job.refresh_from_db()
    retried, _ = jobs.retry(job, job.created_by)
    assert retried.config["extra_train_file"] == job.config["extra_train_file"], "a retry trains on the same rows"
    assert retried.reviewed_rows == 13


def test_the_api_job_description_documents_the_counts(client, db):
    schema = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    assert {"reviewed_rows", "reviewed_rows_used"} <= set(schema["JobOut"]["properties"])
    assert "include_reviewed" in schema["JobIn"]["properties"]


def test_the_reviewed_comments_file_is_private_and_removed_when_its_job_is_cancelled(
    api, reviewed, quiet_queue, tiny_bert_dir, data_dir, django_capture_on_commit_callbacks
):
    import stat
    from pathlib import Path

    options = tiny_job_options(tiny_bert_dir, data_dir)
    body = api("post", "/jobs", {**options, "include_reviewed": True}).json()
    written = Path(TrainingJob.objects.get(pk=body["id"]).config["extra_train_file"])  # the API hides the folder
    modes = stat.S_IMODE(written.stat().st_mode), stat.S_IMODE(written.parent.stat().st_mode)

    with django_capture_on_commit_callbacks(execute=True):  # the file goes once the cancel is committed
        api("post", f"/jobs/{body['id']}/cancel")
    retried = api("post", f"/jobs/{body['id']}/retry").json()

    assert modes == (0o600, 0o700), [oct(mode) for mode in modes]
    assert not written.exists(), "the reviewed comments stay on disk after the cancel"
    again = Path(TrainingJob.objects.get(pk=retried["id"]).config["extra_train_file"])
    assert again != written and again.is_file() and retried["reviewed_rows"] == 13, "a retry writes them afresh"
