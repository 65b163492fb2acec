"""The staff API at /api/v1/jobs: credentials, the same validation as the form, and 409s."""

import json

import pytest
from django.test import Client

from ml import methods
from webapp.accounts.models import ApiToken
from webapp.checker import scoring
from webapp.checker.models import ModelVersion, Promotion
from webapp.training import jobs
from webapp.training.models import TrainingJob, TrainingMetric


def test_without_credentials_every_endpoint_answers_401_with_a_bearer_challenge(client, db):
    for method, path in [
        ("get", "/jobs"),
        ("post", "/jobs"),
        ("get", "/jobs/1"),
        ("get", "/jobs/1/history"),
        ("post", "/jobs/1/cancel"),
        ("post", "/jobs/1/retry"),
        ("post", "/jobs/1/promote"),
    ]:
        response = getattr(client, method)(f"/api/v1{path}")
        assert response.status_code == 401, path
        assert response["WWW-Authenticate"] == 'Bearer realm="ToxiLab"'
        assert response.json()["error"].startswith("authentication required")


def test_an_unknown_or_revoked_token_is_no_credential(api, staff, api_token):
    assert api("get", "/jobs", token="tlk_not-a-token").status_code == 401
    ApiToken.objects.get().revoke()
    assert api("get", "/jobs", token=api_token).status_code == 401


def test_users_who_are_not_staff_get_403_by_session_or_by_token(member_client, member, api):
    assert member_client.get("/api/v1/jobs").status_code == 403
    member_token = ApiToken.issue(member)[1]
    response = api("get", "/jobs", token=member_token)
    assert response.status_code == 403 and response.json() == {"error": "this API is for staff users"}


def test_a_staff_token_launches_a_job_named_like_the_cli_options(
    api, staff, tiny_options, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as queued:
        response = api("post", "/jobs", {**tiny_options, "epochs": 2, "cos_on": "logits"})

    assert response.status_code == 201, response.content
    body = response.json()
    job = TrainingJob.objects.get()
    assert body["id"] == job.pk and len(queued) == 1
    assert (body["status"], body["queue_position"], body["created_by"], body["progress"]) == ("queued", 1, "ada", 0)
    assert body["config"]["epochs"] == 2 and body["config"]["cos_on"] == "logits" and body["config"]["lr"] == 1e-3


def test_a_baseline_job_needs_no_teacher_and_takes_its_own_options(api, data_dir):
    body = {"method": "baseline", "dataset": str(data_dir), "baseline_c": 2, "baseline_word_ngrams": 1}
    response = api("post", "/jobs", body)

    assert response.status_code == 201, response.content
    config = response.json()["config"]
    assert (config["teacher"], config["baseline_c"], config["baseline_word_ngrams"]) == ("none", 2.0, 1)
    assert api("post", "/jobs", {**body, "baseline_char_ngrams": 9}).json()["field"] == "baseline_char_ngrams"


def test_the_staff_session_works_too_with_its_csrf_check(staff, tiny_options):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(staff)
    assert browser.get("/api/v1/jobs").status_code == 200
    refused = browser.post("/api/v1/jobs", json.dumps(tiny_options), content_type="application/json")
    assert refused.status_code == 403 and "CSRF" in refused.json()["error"]


@pytest.mark.parametrize(
    ("change", "error", "field"),
    [
        ({"epochs": 0}, "epochs: must be a positive integer", "epochs"),
        ({"lr": 5}, "lr: must be in (0.0, 1.0]", "lr"),
        ({"epochs": 10**12}, "epochs: must be at most 100", "epochs"),
        ({"seed": -1}, "seed: must be an integer from 0 to 4294967295", "seed"),
        (
            {"method": "odd", "alpha_cls": 0, "alpha_div": 0, "alpha_cos": 0},
            "alpha_cls: the three loss weights cannot all be zero",
            "alpha_cls",
        ),
        (
            {"dataset": "/no/such/dir"},
            "dataset: /no/such/dir: not in a data directory this server reads from",
            "dataset",
        ),
        (
            {"teacher_job": 999},
            "teacher_job: job 999 is not a teacher job that succeeded or may still succeed",
            "teacher_job",
        ),
    ],
)
def test_bad_options_are_a_400_naming_the_field_and_nothing_is_queued(api, tiny_options, change, error, field):
    response = api("post", "/jobs", {**tiny_options, **change})
    assert response.status_code == 400
    assert response.json() == {"error": error, "field": field, "fields": {field: error.split(": ", 1)[1]}}
    assert not TrainingJob.objects.exists()


def test_every_bad_option_is_named_in_one_400(api, tiny_options):
    response = api("post", "/jobs", {**tiny_options, "epochs": 0, "lr": 5})
    assert response.status_code == 400
    assert response.json()["fields"] == {"epochs": "must be a positive integer", "lr": "must be in (0.0, 1.0]"}


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"epochs": 2}, "method: field required"),
        ({"method": "teacher", "epochs": "many"}, "epochs: input should be a valid integer"),
        ({"method": "teacher", "output": "/tmp/x"}, "output: unknown field"),
        (
            {"method": "bigger"},
            "method: input should be "
            + " or ".join([", ".join(f"'{name}'" for name in methods.names()[:-1]), f"'{methods.names()[-1]}'"]),
        ),
    ],
)
def test_malformed_bodies_are_a_400_that_says_what_is_wrong(api, body, error):
    response = api("post", "/jobs", body)
    assert response.status_code == 400 and response.json()["error"] == error


def test_a_job_reads_with_progress_eta_queue_position_metrics_worker_and_device(api, make_job, finished_job):
    running = make_job("running", step=30, total_steps=120, eta_s=42.0)
    queued = make_job()

    assert api("get", f"/jobs/{queued.pk}").json()["queue_position"] == 1
    body = api("get", f"/jobs/{running.pk}").json()
    assert (body["status"], body["progress"], body["step"], body["eta_s"], body["worker"], body["device"]) == (
        "running",
        0.25,
        30,
        42.0,
        "celery@test",
        "cpu",
    )
    assert api("get", f"/jobs/{finished_job.pk}").json()["metrics"]["test"]["f1"] == finished_job.test_f1

    listing = api("get", "/jobs?status=running").json()
    assert listing["count"] == 1 and [job["id"] for job in listing["items"]] == [running.pk]
    assert [job["id"] for job in api("get", "/jobs?limit=2").json()["items"]] == [queued.pk, running.pk]


def test_the_history_lists_the_loss_rows_after_a_step(api, make_job):
    job = make_job("running")
    TrainingMetric.objects.bulk_create(
        TrainingMetric(job=job, step=s, epoch=s / 10, loss=1 / s, components={"cls": 1 / s}) for s in (1, 2, 3)
    )
    history = api("get", f"/jobs/{job.pk}/history?after=1").json()
    assert [p["step"] for p in history["points"]] == [2, 3] and history["points"][0]["components"] == {"cls": 0.5}


def test_an_unknown_job_is_a_404(api):
    response = api("get", "/jobs/12345")
    assert response.status_code == 404 and response.json() == {"error": "no job with id 12345"}


def test_cancel_retry_and_promote_follow_the_jobs_state(api, make_job, promotable_job, staff):
    finished_job = promotable_job
    queued, failed = make_job(), make_job("failed")

    assert api("post", f"/jobs/{queued.pk}/cancel").json()["status"] == "cancelled"
    retried = api("post", f"/jobs/{failed.pk}/retry")
    assert retried.status_code == 201 and retried.json()["retry_of"] == failed.pk

    promoted = api("post", f"/jobs/{finished_job.pk}/promote")
    assert promoted.status_code == 200
    assert promoted.json()["model"]["name"] == f"job-{finished_job.pk}" and promoted.json()["promoted_by"] == "ada"
    assert ModelVersion.current().name == f"job-{finished_job.pk}" and Promotion.objects.get().promoted_by == staff


@pytest.mark.parametrize(
    ("status", "action", "error"),
    [
        ("succeeded", "cancel", "a succeeded job cannot be cancelled"),
        ("running", "retry", "only failed or cancelled jobs can be retried; this one is running"),
        ("failed", "promote", "only a succeeded job can be promoted; this one is failed"),
    ],
)
def test_an_action_the_jobs_state_does_not_allow_is_a_409(api, make_job, status, action, error):
    response = api("post", f"/jobs/{make_job(status).pk}/{action}")
    assert response.status_code == 409 and response.json() == {"error": error}


def test_promoting_the_model_that_is_already_active_is_a_409(api, promotable_job):
    finished_job = promotable_job
    api("post", f"/jobs/{finished_job.pk}/promote")
    again = api("post", f"/jobs/{finished_job.pk}/promote")
    assert again.status_code == 409 and "already the active model" in again.json()["error"]


def test_the_jobs_api_is_in_the_same_openapi_description_as_the_checker(client, db):
    schema = client.get("/api/v1/openapi.json").json()
    assert {
        "/api/v1/check",
        "/api/v1/jobs",
        "/api/v1/jobs/{job_id}",
        "/api/v1/jobs/{job_id}/history",
        "/api/v1/jobs/{job_id}/cancel",
        "/api/v1/jobs/{job_id}/retry",
        "/api/v1/jobs/{job_id}/promote",
    } <= set(schema["paths"])
    assert {"StaffToken", "StaffSession"} <= set(schema["components"]["securitySchemes"])
    assert "security" not in schema["paths"]["/api/v1/check"]["post"], "the checker stays public"
    job_in = schema["components"]["schemas"]["JobIn"]["properties"]
    assert {"method", "teacher", "dataset", "epochs", "batch_size", "lr", "max_train_samples"} <= set(job_in)


def test_the_jobs_api_refuses_a_model_under_the_minimum_and_force_promotes_it(api, finished_job):
    scoring.measure(jobs.register_model(finished_job))  # the tiny model: F1 about 0.37, under the default 0.5

    refused = api("post", f"/jobs/{finished_job.pk}/promote")
    forced = api("post", f"/jobs/{finished_job.pk}/promote", {"force": True})

    assert refused.status_code == 409 and "is under the minimum 0.50" in refused.json()["error"]
    assert refused.json()["verdict"]["candidate"]["n"] == 200
    assert forced.status_code == 200 and forced.json()["forced"] and forced.json()["job"]["id"] == finished_job.pk
    promotion = Promotion.objects.get()
    assert "is under the minimum 0.50" in promotion.reason
    assert "forced past the gate" in finished_job.log_entries.last().message


def test_retrying_the_same_job_again_answers_its_first_retry_and_makes_no_other(api, make_job, staff_client):
    cancelled = make_job("cancelled")

    answers = [api("post", f"/jobs/{cancelled.pk}/retry") for _ in range(4)]
    page = staff_client.post(f"/dashboard/jobs/{cancelled.pk}/retry/")

    first = answers[0].json()["id"]
    assert [a.status_code for a in answers] == [201, 200, 200, 200]
    assert {a.json()["id"] for a in answers} == {first} and answers[1].json()["retry_of"] == cancelled.pk
    assert page.status_code == 302 and page["Location"] == f"/dashboard/jobs/{first}/"
    assert TrainingJob.objects.filter(retry_of=cancelled).count() == 1
