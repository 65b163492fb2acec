"""Staff pages and the staff API name a run's files relative to the artifacts folder
('artifacts/run'), never by the server's absolute path: the job's page, log and API, the model's page
and API."""

import json

import pytest

from webapp.training import jobs


@pytest.fixture
def registered(finished_job, tiny_artifact_dir, settings):
    settings.TOXILAB_ARTIFACTS_DIR = tiny_artifact_dir.parent  # the run lies in the artifacts folder
    version = jobs.register_model(finished_job)
    finished_job.log(f"finished; the run is in {finished_job.output_dir}")
    return finished_job, version


def test_no_staff_page_or_api_answer_shows_the_artifacts_folders_absolute_path(staff_client, registered):
    job, version = registered
    secret = str(job.output_dir).rsplit("/", 1)[0]  # the artifacts folder on the server
    answers = {
        "job page": staff_client.get(f"/dashboard/jobs/{job.pk}/").content.decode(),
        "job API": json.dumps(staff_client.get(f"/api/v1/jobs/{job.pk}").json()),
        "jobs API": json.dumps(staff_client.get("/api/v1/jobs").json()),
        "model page": staff_client.get(f"/dashboard/models/{version.pk}/").content.decode(),
        "model API": json.dumps(staff_client.get(f"/api/v1/models/{version.pk}").json()),
        "models API": json.dumps(staff_client.get("/api/v1/models").json()),
    }

    leaks = [name for name, text in answers.items() if secret in text]
    assert leaks == [], f"{secret} shown by {leaks}"
    assert "artifacts/run" in answers["job page"] and "artifacts/run" in answers["model API"]
