"""Cancel and promote ask first: a POST without confirm=yes answers a confirmation page (it works without
JavaScript) and changes nothing; the confirmed POST acts. Promote's page compares the candidate's test
metrics with the active model's."""

from webapp.checker.models import ModelVersion
from webapp.training.models import Promotion


def test_cancel_without_confirm_shows_the_question_and_leaves_the_job_queued(staff_client, make_job):
    job = make_job("queued")

    response = staff_client.post(f"/dashboard/jobs/{job.pk}/cancel/")

    job.refresh_from_db()
    assert response.status_code == 200 and job.status == "queued"
    html = response.content.decode()
    assert f"Cancel job {job.pk}?" in html and 'name="confirm" value="yes"' in html


def test_confirmed_cancel_cancels_and_says_exactly_what_happened(staff_client, make_job):
    job = make_job("queued")

    response = staff_client.post(f"/dashboard/jobs/{job.pk}/cancel/", {"confirm": "yes"}, follow=True)

    job.refresh_from_db()
    assert job.status == "cancelled"
    assert f"Job {job.pk} is cancelled; it will not run." in [str(m) for m in response.context["messages"]]


def test_promote_without_confirm_compares_with_the_active_model_and_promotes_nothing(staff_client, finished_job):
    ModelVersion.objects.create(
        name="serving-now",
        method="teacher",
        teacher="t",
        artifact_path="/x",
        active=True,
        metrics={"test": {"f1": 0.61}},
    )

    response = staff_client.post(f"/dashboard/jobs/{finished_job.pk}/promote/")

    assert response.status_code == 200 and not Promotion.objects.exists()
    assert ModelVersion.objects.get(active=True).name == "serving-now"
    rows = {name: (candidate, active) for name, candidate, active in response.context["comparison"]["rows"]}
    assert rows["f1"] == (finished_job.test_f1, 0.61)
    assert "active: serving-now" in response.content.decode()


def test_confirmed_promote_promotes(staff_client, finished_job):
    staff_client.post(f"/dashboard/jobs/{finished_job.pk}/promote/", {"confirm": "yes"})

    assert Promotion.objects.get().job == finished_job
