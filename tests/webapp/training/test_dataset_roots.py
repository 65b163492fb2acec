"""Datasets named by a server path must lie in TOXILAB_DATA_ROOTS, and no answer about one quotes a
file or tells a file that exists from one that does not."""

import json

import pandas as pd
import pytest
from services import tiny_job_options

from webapp.training.models import TrainingJob


@pytest.fixture
def secret_files(tmp_path_factory):
    """Readable server files outside the data roots (the test's temporary root is not one here)."""
    where = tmp_path_factory.mktemp("private")
    (where / "secret.csv").write_text("comment_text,label\nfine,hunter2-SECRET\n")
    (where / "split").mkdir()
    return where


@pytest.fixture
def only_shared_data(settings, data_dir):
    settings.TOXILAB_DATA_ROOTS = [data_dir]


def launch(staff_client, via, **changes):
    options = {**tiny_job_options("bundled-minilm", "unused"), **changes}
    if via == "api":
        response = staff_client.post("/api/v1/jobs", data=json.dumps(options), content_type="application/json")
        return response.status_code, response.json()["fields"]
    response = staff_client.post("/dashboard/jobs/new/", options)
    return response.status_code, {field: " ".join(errors) for field, errors in response.context["form"].errors.items()}


@pytest.mark.parametrize("via", ["api", "form"])
@pytest.mark.parametrize("field", ["dataset", "extra_train_file"])
def test_a_path_outside_the_data_roots_is_refused_alike_whether_it_exists_or_not(
    staff_client, only_shared_data, data_dir, secret_files, via, field
):
    others = {"dataset": str(data_dir)} if field == "extra_train_file" else {}
    answers = {}
    for name in ("secret.csv", "split", "absent.csv", "absent"):
        path = str(secret_files / name)
        status, errors = launch(staff_client, via, **others, **{field: path})
        assert status == 400 and "hunter2" not in json.dumps(errors)
        answers[name] = errors[field].replace(path, "PATH")

    assert len(set(answers.values())) == 1, answers
    assert "not in a data directory" in answers["secret.csv"]
    assert not TrainingJob.objects.exists()


def test_a_file_in_the_data_roots_is_checked_without_quoting_it(staff_client, settings, secret_files):
    settings.TOXILAB_DATA_ROOTS = [secret_files]

    status, errors = launch(staff_client, "api", dataset=str(secret_files / "secret.csv"))

    assert status == 400 and "is not 0 or 1" in errors["dataset"] and "hunter2" not in errors["dataset"]


def test_the_default_roots_hold_the_checkouts_data_dir_and_the_shared_data(settings):
    from webapp.settings import BASE_DIR

    assert BASE_DIR / "data" in settings.TOXILAB_DATA_ROOTS
    assert BASE_DIR.parent / "shared" / "data" in settings.TOXILAB_DATA_ROOTS


@pytest.mark.parametrize("via", ["api", "form"])
def test_a_split_file_that_is_a_symlink_out_of_the_data_roots_is_refused(
    staff_client, settings, data_dir, secret_files, tmp_path_factory, via
):
    inside = tmp_path_factory.mktemp("root")
    settings.TOXILAB_DATA_ROOTS = [inside]
    dataset = inside / "linked"
    dataset.mkdir()
    for split in ("train", "validation"):
        pd.read_csv(data_dir / f"{split}.csv", nrows=40).to_csv(dataset / f"{split}.csv", index=False)
    (dataset / "test.csv").symlink_to(secret_files / "secret.csv")

    status, errors = launch(staff_client, via, dataset=str(dataset))

    assert status == 400 and "not in a data directory" in errors["dataset"] and "hunter2" not in errors["dataset"]
    assert not TrainingJob.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_worker_checks_the_data_roots_again_before_it_reads(make_job, settings, secret_files, tmp_path):
    from worker.tasks import train_job

    settings.TOXILAB_ARTIFACTS_DIR = tmp_path / "artifacts"
    job = make_job()  # checked when it was launched; the roots changed while it waited
    settings.TOXILAB_DATA_ROOTS = [secret_files]

    assert train_job.apply(args=[job.pk], task_id=job.celery_task_id).get() == "failed"

    job.refresh_from_db()
    assert job.status == "failed" and "not in a data directory this server reads from" in job.error
