"""The web app's methods and options come from ml: the registry's methods, TrainConfig's fields and bounds."""

import pytest
from django.conf import settings
from django.core.management import call_command

from ml import methods
from ml.config import DEFAULT_TEACHER, options
from webapp.checker.models import ModelVersion
from webapp.training.forms import JobForm
from webapp.training.models import TrainingJob
from webapp.training.options import OPTIONS


@pytest.mark.parametrize("model", [ModelVersion, TrainingJob])
def test_the_method_columns_offer_exactly_the_registrys_methods(model):
    field = model._meta.get_field("method")
    assert list(field.choices) == methods.choices()
    assert all(len(name) <= field.max_length for name in methods.names())


def test_the_models_match_their_migrations(db):
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)  # exits 1 if a migration is missing


def test_the_launch_form_lists_the_registrys_methods_and_every_option(db):
    form = JobForm()
    assert list(form.fields["method"].choices) == methods.choices()
    web_options = {option.name for option in options()} - {"method", "teacher", "dataset", "output"}
    assert {option.name for option in OPTIONS} == web_options and web_options <= set(form.fields)
    assert (
        form.fields["teacher"].initial == DEFAULT_TEACHER and form.fields["dataset"].initial == settings.TOXILAB_DATASET
    )
    groups = {group["key"]: group["methods"] for group in form.groups()}
    every = "teacher odd even first-half last-half custom lora"
    assert groups == {
        "data": every + " baseline",
        "training": every,
        "distillation": "odd even first-half last-half custom",
        "layers": "custom",
        "lora": "lora",
        "baseline": "baseline",
        "advanced": every,
    }


def test_the_launch_page_hints_each_numbers_bounds(staff_client):
    html = staff_client.get("/dashboard/jobs/new/").content.decode()
    assert 'name="epochs" value="3" min="1" max="100" step="1"' in html
    assert "passes over the training set; from 1 to 100" in html


def test_the_api_schema_is_generated_from_the_options_with_their_bounds(client, db):
    schema = client.get("/api/v1/openapi.json").json()["components"]["schemas"]["JobIn"]
    properties = schema["properties"]
    assert set(properties) == {
        "method",
        "teacher",
        "teacher_job",
        "dataset",
        "include_reviewed",
        "name",  # the run's name and note, which staff give it (not training options)
        "note",
        *(option.name for option in OPTIONS),
    }
    assert properties["method"]["enum"] == list(methods.names()) and schema["required"] == ["method"]
    assert (properties["epochs"]["minimum"], properties["epochs"]["maximum"]) == (1, 100)
    assert (properties["lr"]["exclusiveMinimum"], properties["lr"]["maximum"]) == (0.0, 1.0)
    assert properties["cos_on"]["enum"] == ["hidden", "logits"]
    assert "default 3" in properties["epochs"]["description"]


def test_the_api_refuses_out_of_range_options_with_a_400_naming_each(staff_client, tiny_options):
    response = staff_client.post(
        "/api/v1/jobs", {**tiny_options, "epochs": 10**12, "lora_alpha": 0}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["fields"] == {"epochs": "must be at most 100", "lora_alpha": "must be a positive integer"}
    assert not TrainingJob.objects.exists()


def test_the_job_page_shows_each_options_help(staff_client, make_job):
    job = make_job("queued")
    html = staff_client.get(f"/dashboard/jobs/{job.pk}/").content.decode()
    assert '<th title="passes over the training set">epochs</th>' in html
