"""Quotas: one studies request creates at most TOXILAB_STUDY_MAX_JOBS jobs (a 400 on the request), and
a staff user has at most TOXILAB_MAX_QUEUED_JOBS jobs waiting or queued (a 429 beyond, through the
jobs API, the launch form, a retry and a study); the server's own jobs (the starter's) are not counted."""

import json

from django.test import Client

from tests.support.accounts import staff_user
from webapp.studies.models import Study
from webapp.training.models import TrainingJob


def post(client, path, body):
    return client.post(path, data=json.dumps(body), content_type="application/json")


def study_body(tiny_options, **changes):
    return {**{k: v for k, v in tiny_options.items() if k != "method"}, **changes}


def test_a_study_request_over_the_job_limit_is_refused_and_creates_nothing(staff_client, tiny_options, settings):
    settings.TOXILAB_STUDY_MAX_JOBS = 6
    settings.TOXILAB_MAX_QUEUED_JOBS = None

    over = post(staff_client, "/api/v1/studies", study_body(tiny_options, methods=["teacher", "odd"], seeds=4))
    within = post(staff_client, "/api/v1/studies", study_body(tiny_options, methods=["teacher", "odd"], seeds=3))

    assert over.status_code == 400 and over.json()["field"] == "seeds", over.content
    assert "8 jobs" in over.json()["error"] and "at most 6" in over.json()["error"]
    assert within.status_code == 201 and TrainingJob.objects.count() == 6 and Study.objects.count() == 1


def test_a_staff_user_may_have_only_so_many_jobs_queued(staff_client, staff, tiny_options, settings, make_job):
    settings.TOXILAB_MAX_QUEUED_JOBS = 2
    first = post(staff_client, "/api/v1/jobs", tiny_options)
    second = post(staff_client, "/api/v1/jobs", tiny_options)
    failed = make_job("failed")

    refused = post(staff_client, "/api/v1/jobs", tiny_options)
    form = staff_client.post("/dashboard/jobs/new/", tiny_options)
    retry = post(staff_client, f"/api/v1/jobs/{failed.pk}/retry", {})
    study = post(staff_client, "/api/v1/studies", study_body(tiny_options, methods=["teacher"], seeds=1))
    other = Client()
    other.force_login(staff_user("grace"))
    theirs = post(other, "/api/v1/jobs", tiny_options)

    assert first.status_code == second.status_code == 201
    assert refused.status_code == 429 and "2 jobs waiting or queued" in refused.json()["error"], refused.content
    assert form.status_code == 429 and "waiting or queued" in form.content.decode()
    assert retry.status_code == 429 and study.status_code == 429
    assert theirs.status_code == 201, "the limit is per user"
    assert TrainingJob.objects.filter(created_by=staff, status="queued").count() == 2
