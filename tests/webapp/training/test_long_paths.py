"""A dataset, teacher or extra training file whose path has a part longer than the file system takes
(255 bytes) is a 400 on its field in the jobs API, the launch form, the studies API and the study form,
never a 500 with `OSError: File name too long`."""

import json

import pytest
from services import tiny_job_options

from webapp.studies.models import Study
from webapp.training.models import TrainingJob


def long_path(tmp_path, suffix=""):
    return str(tmp_path / ("x" * 300 + suffix))


@pytest.mark.parametrize(("field", "suffix"), [("dataset", ""), ("extra_train_file", ".csv"), ("teacher", "")])
def test_a_path_part_too_long_is_a_400_on_its_field_in_the_jobs_api_and_form(
    staff_client, tiny_bert_dir, data_dir, tmp_path, field, suffix
):
    options = {**tiny_job_options(tiny_bert_dir, data_dir), field: long_path(tmp_path, suffix)}

    api = staff_client.post("/api/v1/jobs", data=json.dumps(options), content_type="application/json")
    form = staff_client.post("/dashboard/jobs/new/", options)

    assert api.status_code == 400 and api.json()["field"] == field, api.content[:300]
    assert form.status_code == 400 and field in form.context["form"].errors
    assert not TrainingJob.objects.exists()


@pytest.mark.parametrize("field", ["dataset", "teacher"])
def test_a_path_part_too_long_is_a_400_on_its_field_in_the_studies_api_and_form(
    staff_client, tiny_bert_dir, data_dir, tmp_path, field
):
    options = {k: v for k, v in tiny_job_options(tiny_bert_dir, data_dir).items() if k != "method"}
    body = {"methods": ["teacher"], "seeds": 1, **options, field: long_path(tmp_path)}
    form = {"methods": ["teacher"], "seeds": "1", "teacher": options["teacher"], "dataset": options["dataset"]}

    api = staff_client.post("/api/v1/studies", data=json.dumps(body), content_type="application/json")
    page = staff_client.post("/dashboard/studies/new/", {**form, field: long_path(tmp_path)})

    assert api.status_code == 400 and api.json()["field"] == field, api.content[:300]
    assert page.status_code == 400 and "too long" in page.content.decode()
    assert not Study.objects.exists() and not TrainingJob.objects.exists()
