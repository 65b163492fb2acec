"""A dataset or teacher named by a hub id is checked when the job is submitted: on this offline
machine the hub cannot be reached, so the form and POST /api/v1/jobs refuse it on its field, in
words that say what staff can do, and nothing is queued. Local paths in a data root and the bundled
teacher need no network."""

import pytest
from django.conf import settings
from services import tiny_job_options

from tests.support.api import post_json
from webapp.training import sources
from webapp.training.forms import JobForm
from webapp.training.models import TrainingJob
from webapp.training.options import validate

HUB_DATASET = "OxAISH-AL-LLM/wiki_toxic"


@pytest.fixture(autouse=True)
def fresh_answers():
    sources._answers.clear()
    yield
    sources._answers.clear()


def test_an_unreachable_hub_dataset_is_a_400_on_the_dataset_field_and_nothing_is_queued(
    staff_client, tiny_bert_dir, data_dir
):
    options = tiny_job_options(tiny_bert_dir, data_dir, dataset=HUB_DATASET)

    response = post_json(staff_client, "/jobs", options)

    assert response.status_code == 400
    body = response.json()
    assert body["field"] == "dataset" and list(body["fields"]) == ["dataset"]
    assert "cannot be reached" in body["error"] and settings.TOXILAB_DATASET in body["error"]
    assert not TrainingJob.objects.exists()


def test_an_unreachable_hub_dataset_is_an_error_on_the_forms_dataset_field(staff_client, tiny_bert_dir, data_dir):
    options = tiny_job_options(tiny_bert_dir, data_dir, dataset=HUB_DATASET)

    response = staff_client.post("/dashboard/jobs/new/", options)

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == ["dataset"] and "cannot be reached" in errors["dataset"][0]
    assert not TrainingJob.objects.exists()


def test_an_unreachable_hub_teacher_is_a_400_on_the_teacher_field(staff_client, data_dir):
    response = post_json(staff_client, "/jobs", tiny_job_options("bert-base-uncased", data_dir))

    assert response.status_code == 400 and response.json()["field"] == "teacher"
    assert "'bert-base-uncased'" in response.json()["error"]
    assert not TrainingJob.objects.exists()


def test_the_answer_for_a_hub_id_is_remembered_briefly(settings):
    with pytest.raises(sources.Unreachable):
        sources.check_hub(HUB_DATASET, "dataset")
    when, error = sources._answers[("dataset", HUB_DATASET)]

    with pytest.raises(sources.Unreachable):
        sources.check_hub(HUB_DATASET, "dataset")

    assert sources._answers[("dataset", HUB_DATASET)] == (when, error)


def test_a_dataset_in_a_data_root_and_the_bundled_teacher_are_accepted(db, data_dir):
    cleaned = validate({"method": "teacher", "teacher": "bundled-minilm", "dataset": str(data_dir)})

    assert cleaned["dataset"] == str(data_dir) and cleaned["teacher"] == "bundled-minilm"


def test_the_forms_default_dataset_is_one_the_server_can_read(db):
    default = JobForm().fields["dataset"].initial

    assert default == settings.TOXILAB_DATASET and default != HUB_DATASET
    assert validate({"method": "teacher", "dataset": default})["dataset"] == default
