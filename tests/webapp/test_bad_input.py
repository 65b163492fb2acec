"""Input the database or Python cannot take is a 400 that says why, never a 500: NUL and lone
surrogates in JSON text, dates and offsets past what the database stores, a malformed ?from=, and a
teacher that is no model. Run on PostgreSQL (CI) for the NUL case; the others hold on SQLite too."""

import pytest
from services import tiny_job_options

from tests.support.api import post_json
from webapp.training.models import TrainingJob

UNSTORABLE = [("a\x00b", "NUL"), ("\ud800", "lone surrogate"), ("ok \udfff", "lone surrogate")]


@pytest.mark.parametrize(("text", "why"), UNSTORABLE)
def test_a_check_of_text_that_cannot_be_stored_is_a_400(client, active_model, text, why):
    single = post_json(client, "/check", {"text": text})
    batch = post_json(client, "/check", {"texts": ["fine", text]})

    assert single.status_code == 400 and why in single.json()["error"]
    assert single.json()["error"].startswith("text contains")
    assert batch.status_code == 400 and batch.json()["error"].startswith("texts[1] contains")


@pytest.mark.parametrize(("text", "why"), UNSTORABLE)
def test_a_job_named_with_text_that_cannot_be_stored_is_a_400_and_nothing_is_queued(
    staff_client, tiny_bert_dir, data_dir, text, why
):
    options = tiny_job_options(tiny_bert_dir, data_dir, text_column=text)

    response = post_json(staff_client, "/jobs", options)

    assert response.status_code == 400 and why in response.json()["error"]
    assert not TrainingJob.objects.exists()


def test_a_nul_in_an_api_query_string_is_a_400(staff_client):
    response = staff_client.get("/api/v1/predictions", {"q": "a\x00b"})

    assert response.status_code == 400 and "NUL" in response.json()["error"]


@pytest.mark.parametrize(
    "path",
    [
        "/dashboard/predictions/",
        "/dashboard/predictions/export.csv",
        "/api/v1/predictions",
        "/api/v1/predictions/summary",
    ],
)
@pytest.mark.parametrize("field", ["until", "since"])
def test_the_last_day_of_the_calendar_is_a_400_on_the_review_page_export_and_api(staff_client, path, field):
    response = staff_client.get(path, {field: "9999-12-31"})

    assert response.status_code == 400
    assert staff_client.get(path, {field: "9999-12-30"}).status_code == 200


def test_an_offset_past_what_the_database_takes_is_a_400(staff_client):
    response = staff_client.get("/api/v1/jobs", {"offset": "99999999999999999999"})

    assert response.status_code == 400 and response.json()["error"].startswith("offset:")


def test_copying_a_job_that_is_not_an_id_is_a_400(staff_client):
    assert staff_client.get("/dashboard/jobs/new/", {"from": "abc"}).status_code == 400
    assert staff_client.get("/dashboard/jobs/new/", {"from": "99999999999999999999"}).status_code == 404


@pytest.mark.parametrize("teacher", ["../../etc", "/etc", "/no/such/dir", "<b>html</b>", "owner/name/extra", "bad..id"])
def test_a_teacher_that_is_not_a_model_is_refused_at_submit_by_the_api_and_the_form(staff_client, data_dir, teacher):
    options = tiny_job_options(teacher, data_dir)

    api = post_json(staff_client, "/jobs", options)
    form = staff_client.post("/dashboard/jobs/new/", options)

    assert api.status_code == 400 and api.json()["field"] == "teacher"
    assert form.status_code == 400 and "teacher" in form.context["form"].errors
    assert not TrainingJob.objects.exists()


def test_a_model_directory_and_a_bundled_name_are_accepted_as_teachers(tiny_bert_dir, data_dir):
    from webapp.training.options import validate

    for teacher in (str(tiny_bert_dir), "bundled-minilm"):
        assert validate({"method": "teacher", "teacher": teacher, "dataset": str(data_dir)})["teacher"] == teacher
