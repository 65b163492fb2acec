"""The custom layer map through the launch form and the API (ml's rules, a field error on `layers`,
the teacher's depth checked at submit), and the job page showing a map 0- and 1-based."""

import pytest

from tests.support.jobs import form_data
from webapp.training.models import TrainingJob


def test_the_layer_map_field_is_shown_for_the_custom_method_only(staff_client):
    html = staff_client.get("/dashboard/jobs/new/").content.decode()
    group = html.split('id="options-layers"')[0].rsplit("<fieldset", 1)[1]
    assert 'data-methods="custom"' in group
    assert 'name="layers"' in html.split('id="options-layers"')[1].split("</fieldset>")[0]


def test_a_custom_map_from_the_form_is_queued_as_0_based_indexes_and_copied_back_as_text(
    staff_client, tiny_options, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as queued:
        response = staff_client.post(
            "/dashboard/jobs/new/", form_data(tiny_options, method="custom", layers="0, 3", untrained_teacher_ok="on")
        )

    job = TrainingJob.objects.get()
    assert response.status_code == 302 and len(queued) == 1
    assert job.method == "custom" and job.config["layers"] == [0, 3]
    assert staff_client.get(f"/dashboard/jobs/new/?from={job.pk}").context["form"].initial["layers"] == "0,3"


@pytest.mark.parametrize(
    "method, layers, message",
    [
        ("custom", "0,4", "teacher layer 4 does not exist: the teacher has 4 layers, 0 to 3"),
        ("custom", "3,1", "must be in increasing order"),
        ("custom", "1,1", "lists teacher layer 1 twice"),
        ("custom", "one", "must be teacher layer numbers"),
        ("custom", None, "the custom student needs a layer map"),
        ("odd", "1,3", "only the custom method reads a layer map, not odd"),
    ],
)
def test_a_bad_map_is_a_field_error_on_layers_and_nothing_is_queued(
    staff_client, tiny_options, django_capture_on_commit_callbacks, method, layers, message
):
    with django_capture_on_commit_callbacks() as queued:
        response = staff_client.post("/dashboard/jobs/new/", form_data(tiny_options, method=method, layers=layers))

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == ["layers"] and message in errors["layers"][0]
    assert not TrainingJob.objects.exists() and queued == []


@pytest.mark.parametrize(
    "method, layers, message",
    [
        ("custom", [0, 9], "teacher layer 9 does not exist"),
        ("custom", "2,1", "must be in increasing order"),
        ("custom", [], "must list at least one teacher layer"),
        ("odd", [1, 3], "only the custom method reads a layer map"),
    ],
)
def test_the_api_answers_a_bad_map_with_400_naming_layers(api, tiny_options, method, layers, message):
    response = api("post", "/jobs", {**tiny_options, "method": method, "layers": layers})

    body = response.json()
    assert response.status_code == 400, body
    assert body["field"] == "layers" and message in body["fields"]["layers"] and message in body["error"]
    assert not TrainingJob.objects.exists()


@pytest.mark.parametrize("layers", [[1, 3], "1,3"])
def test_the_api_takes_a_map_as_a_list_or_as_text(api, tiny_options, layers):
    response = api("post", "/jobs", {**tiny_options, "method": "custom", "layers": layers})
    assert response.status_code == 201, response.content
    assert response.json()["config"]["layers"] == [1, 3]


def test_the_job_page_shows_the_layer_map_0_and_1_based(staff_client, make_job):
    metrics = {"test": {"f1": 0.5}, "layers": 3, "layer_map": [0, 3, 5], "layer_map_1based": [1, 4, 6]}
    job = make_job("succeeded", method="custom", metrics=metrics)

    html = staff_client.get(f"/dashboard/jobs/{job.pk}/").content.decode()

    assert "3 (teacher layers 0,3,5 0-based, 1,4,6 1-based)" in html
