"""Staff roles: the Reviewers, Trainers and Model owners groups that migrate creates. Staff without a group
may look at the dashboard but not read predictions, export, review, launch or promote, on the pages, by
session on the API or with a token; each group may do its own actions and no other, and the pages hide
what a user may not do."""

import pytest
from django.contrib.auth.models import Group, Permission, User

from tests.support.accounts import staff_user
from tests.support.api import post_json
from webapp.accounts.models import ApiToken
from webapp.checker.models import ModelVersion, Prediction, Promotion
from webapp.training.models import TrainingJob


@pytest.fixture
def prediction(db):
    version = ModelVersion.objects.create(name="odd-v1", method="odd", teacher="t", artifact_path="/x")
    return Prediction.objects.create(text="a comment", label="toxic", toxic_probability=0.9, model_version=version)


@pytest.fixture
def sign_in(db, client):
    """Signs in a new staff user in `groups` (none: staff who may only look); returns the client and a token."""

    def make(*groups):
        user = staff_user("sam", groups=groups)
        client.force_login(user)
        return client, ApiToken.issue(user)[1]

    return make


def refused(response, perm):
    """A 403 that names the missing permission: in JSON on the API, on a page on the web."""
    if response["Content-Type"].startswith("application/json"):
        return response.status_code == 403 and perm in response.json()["error"]
    return response.status_code == 403 and perm in response.content.decode()


def test_migrate_creates_the_three_groups_with_their_permissions(db):
    def perms(name):
        return {f"{p.content_type.app_label}.{p.codename}" for p in Group.objects.get(name=name).permissions.all()}

    assert perms("Reviewers") == {
        "checker.view_prediction",
        "checker.review_prediction",
        "checker.export_prediction",
        "checker.delete_prediction",
    }
    assert perms("Trainers") == {
        "training.launch_trainingjob",
        "training.cancel_trainingjob",
        "training.retry_trainingjob",
        "training.change_trainingjob",
    }
    assert perms("Model owners") == {"checker.promote_modelversion", "checker.view_modelversion"}


def test_staff_without_a_group_may_look_but_not_export_review_launch_or_promote(
    sign_in, prediction, finished_job, tiny_options
):
    client, token = sign_in()
    assert client.get("/dashboard/").status_code == 200
    assert refused(client.get("/dashboard/predictions/"), "checker.view_prediction")
    assert client.get("/api/v1/jobs", headers={"Authorization": f"Bearer {token}"}).status_code == 200

    export = client.get("/dashboard/predictions/export.csv")
    assert refused(export, "checker.export_prediction") and "Reviewers" in export.content.decode()
    review = {"row": f"{prediction.pk}:confirm"}
    assert refused(client.post("/dashboard/predictions/review/", review), "checker.review_prediction")
    assert refused(post_json(client, f"/predictions/{prediction.pk}/review", {"confirm": True}, token), "review")
    assert refused(client.get("/dashboard/jobs/new/"), "training.launch_trainingjob")
    assert refused(client.post("/dashboard/jobs/new/", tiny_options), "training.launch_trainingjob")
    assert refused(post_json(client, "/jobs", tiny_options), "training.launch_trainingjob")
    assert refused(post_json(client, "/jobs", tiny_options, token), "training.launch_trainingjob")
    assert refused(client.post(f"/dashboard/jobs/{finished_job.pk}/promote/"), "checker.promote_modelversion")
    assert refused(post_json(client, f"/jobs/{finished_job.pk}/promote"), "checker.promote_modelversion")
    assert refused(post_json(client, f"/jobs/{finished_job.pk}/promote", token=token), "promote_modelversion")
    assert refused(post_json(client, f"/jobs/{finished_job.pk}/retry", token=token), "retry_trainingjob")
    assert refused(post_json(client, f"/jobs/{finished_job.pk}/cancel", token=token), "cancel_trainingjob")

    assert TrainingJob.objects.count() == 1 and not Promotion.objects.exists()
    assert not prediction.reviews.exists()


def test_pages_hide_the_actions_a_user_may_not_do(sign_in, prediction, finished_job):
    client, _ = sign_in()
    may_read = Permission.objects.get(content_type__app_label="checker", codename="view_prediction")
    User.objects.get(username="sam").user_permissions.add(may_read)
    assert "Launch a job" not in client.get("/dashboard/").content.decode()
    job_page = client.get(f"/dashboard/jobs/{finished_job.pk}/").content.decode()
    assert 'data-action="promote"' not in job_page and "Launch a copy" not in job_page
    review_page = client.get("/dashboard/predictions/").content.decode()
    assert 'id="export-link"' not in review_page and 'id="bulk-actions"' not in review_page
    assert f'value="{prediction.pk}:confirm"' not in review_page


def test_a_reviewer_may_review_and_export_but_not_promote_or_launch(sign_in, prediction, finished_job, tiny_options):
    client, token = sign_in("Reviewers")
    review_page = client.get("/dashboard/predictions/").content.decode()
    assert 'id="export-link"' in review_page and f'value="{prediction.pk}:confirm"' in review_page
    assert "Launch a job" not in client.get("/dashboard/").content.decode()

    assert client.post("/dashboard/predictions/review/", {"row": f"{prediction.pk}:non-toxic"}).status_code == 302
    answer = post_json(client, f"/predictions/{prediction.pk}/review", {"confirm": True}, token)
    assert answer.status_code == 200 and answer.json()["final_label"] == "non-toxic"
    export = client.get("/dashboard/predictions/export.csv")
    assert export.status_code == 200 and "a comment" in b"".join(export.streaming_content).decode()

    assert refused(client.post(f"/dashboard/jobs/{finished_job.pk}/promote/"), "checker.promote_modelversion")
    assert refused(post_json(client, f"/jobs/{finished_job.pk}/promote", token=token), "promote_modelversion")
    assert refused(post_json(client, "/jobs", tiny_options, token), "training.launch_trainingjob")


def test_a_trainer_may_launch_retry_and_cancel_but_not_promote(sign_in, make_job, finished_job, tiny_options):
    client, token = sign_in("Trainers")
    assert "Launch a job" in client.get("/dashboard/").content.decode()
    job_page = client.get(f"/dashboard/jobs/{finished_job.pk}/").content.decode()
    assert 'data-action="cancel"' in job_page and 'data-action="promote"' not in job_page

    launched = post_json(client, "/jobs", tiny_options, token)
    assert launched.status_code == 201, launched.content
    assert post_json(client, f"/jobs/{launched.json()['id']}/cancel", token=token).status_code == 200
    assert post_json(client, f"/jobs/{make_job('failed').pk}/retry", token=token).status_code == 201

    assert refused(post_json(client, f"/jobs/{finished_job.pk}/promote", token=token), "promote_modelversion")
    assert refused(client.post(f"/dashboard/jobs/{finished_job.pk}/promote/"), "checker.promote_modelversion")
    assert not Promotion.objects.exists()


def test_a_model_owner_may_promote_but_not_export_review_or_launch(sign_in, prediction, promotable_job, tiny_options):
    finished_job = promotable_job
    client, token = sign_in("Model owners")
    assert 'data-action="promote"' in client.get(f"/dashboard/jobs/{finished_job.pk}/").content.decode()

    promoted = post_json(client, f"/jobs/{finished_job.pk}/promote", token=token)
    assert promoted.status_code == 200 and promoted.json()["promoted_by"] == "sam"
    assert ModelVersion.current().name == f"job-{finished_job.pk}"

    assert refused(client.get("/dashboard/predictions/export.csv"), "checker.export_prediction")
    assert refused(post_json(client, f"/predictions/{prediction.pk}/review", {"confirm": True}, token), "review")
    assert refused(post_json(client, "/jobs", tiny_options, token), "training.launch_trainingjob")


def test_a_superuser_may_do_everything_without_a_group(client, django_user_model, prediction):
    client.force_login(django_user_model.objects.create_superuser("root", password="pw-for-tests"))
    assert client.get("/dashboard/predictions/export.csv").status_code == 200
    assert client.post("/dashboard/predictions/review/", {"row": f"{prediction.pk}:confirm"}).status_code == 302
    assert client.get("/dashboard/jobs/new/").status_code == 200


def test_in_the_admin_only_model_owners_see_the_models_and_their_activate_action(sign_in):
    ModelVersion.objects.create(name="odd-v1", method="odd", teacher="t", artifact_path="/x")
    client, _ = sign_in("Model owners")
    page = client.get("/admin/checker/modelversion/")
    assert page.status_code == 200 and 'value="activate"' in page.content.decode()

    reviewer = staff_user("rae", groups=["Reviewers"])
    client.force_login(reviewer)
    assert client.get("/admin/checker/modelversion/").status_code == 403


def test_make_runs_first_account_is_a_superuser_with_every_permission(db, django_user_model, monkeypatch):
    from webapp.launcher import ensure_staff_account

    monkeypatch.delenv("DJANGO_SUPERUSER_USERNAME", raising=False)
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "pw-for-tests")
    ensure_staff_account()
    admin = django_user_model.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert all(admin.has_perm(perm) for perm in ["checker.export_prediction", "checker.promote_modelversion"])
