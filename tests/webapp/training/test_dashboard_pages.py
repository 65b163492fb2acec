"""The dashboard's pages: who may see them, the job list, the job page, compare, and promote."""

import json
import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.utils import timezone
from django.utils.html import escape

from ml.names import LABELS
from webapp.checker.models import ModelVersion, Promotion
from webapp.training import jobs
from webapp.training.models import TrainingMetric

PAGES = ["/dashboard/", "/dashboard/jobs/new/", "/dashboard/compare/"]


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_visitors_are_sent_to_the_login_page(client, db, url):
    response = client.get(url)
    assert response.status_code == 302 and response["Location"] == f"/accounts/login/?next={url}"


@pytest.mark.parametrize("url", PAGES)
def test_signed_in_users_who_are_not_staff_are_refused(member_client, url):
    assert member_client.get(url).status_code == 403


def test_the_job_page_and_its_buttons_are_staff_only(member_client, make_job):
    job = make_job("running")
    assert member_client.get(f"/dashboard/jobs/{job.pk}/").status_code == 403
    assert member_client.post(f"/dashboard/jobs/{job.pk}/cancel/").status_code == 403
    job.refresh_from_db()
    assert not job.cancel_requested


def test_staff_sign_in_and_out_through_the_login_page(client, staff):
    page = client.get("/accounts/login/?next=/dashboard/")
    assert page.status_code == 200 and 'name="password"' in page.content.decode()

    signed_in = client.post("/accounts/login/", {"username": "ada", "password": "pw-for-tests", "next": "/dashboard/"})
    assert signed_in.status_code == 302 and signed_in["Location"] == "/dashboard/"
    assert "Log out ada" in client.get("/dashboard/").content.decode()

    signed_out = client.post("/accounts/logout/")
    assert signed_out.status_code == 302 and signed_out["Location"] == "/accounts/login/"
    assert client.get("/dashboard/").status_code == 302


def test_a_wrong_password_is_refused_on_the_login_page(client, staff):
    page = client.post("/accounts/login/", {"username": "ada", "password": "nope"})
    assert page.status_code == 200 and "did not match" in page.content.decode()


def test_the_job_list_shows_status_progress_queue_eta_duration_and_f1_newest_first(
    staff_client, make_job, finished_job
):
    started = timezone.now() - timedelta(seconds=125)
    running = make_job("running", step=30, total_steps=120, eta_s=375, started=started)
    first, second = make_job(), make_job()

    html = staff_client.get("/dashboard/").content.decode()

    rows = [html.index(f'id="job-{job.pk}"') for job in (second, first, running, finished_job)]
    assert rows == sorted(rows), "newest first"
    running_row = html[rows[2] : rows[3]]
    assert '<progress max="1" value="0.250">' in running_row and "30/120" in running_row
    assert "6 min 15 s" in running_row and "2 min 05 s" in running_row
    assert "#1" in html[rows[1] : rows[2]] and "#2" in html[rows[0] : rows[1]]
    lead = finished_job.headline  # the run's own figure, naming its sample and threshold
    assert f'{lead.f1:.4f} <small class="muted">{escape(lead.where)}</small>' in html[rows[3] :]


def test_the_job_list_is_paginated(staff_client, make_job):
    jobs = [make_job("failed") for _ in range(settings.TOXILAB_JOBS_PER_PAGE + 1)]
    first, second = staff_client.get("/dashboard/"), staff_client.get("/dashboard/?page=2")

    assert len(first.context["page"]) == settings.TOXILAB_JOBS_PER_PAGE and "older →" in first.content.decode()
    assert [job.pk for job in second.context["page"]] == [jobs[0].pk]


def test_the_list_refreshes_itself_only_while_a_job_is_active(staff_client, make_job):
    make_job("failed")
    assert 'data-refresh=""' in staff_client.get("/dashboard/").content.decode()
    make_job("queued")
    assert 'data-refresh="3000"' in staff_client.get("/dashboard/").content.decode()
    fragment = staff_client.get("/dashboard/", headers={"X-Requested-With": "fetch"}).content.decode()
    assert fragment.lstrip().startswith('<div class="table-scroll"') and "<html" not in fragment


def test_the_job_page_carries_the_loss_history_the_log_and_the_live_socket(staff_client, make_job):
    job = make_job("running", step=2, total_steps=10)
    TrainingMetric.objects.bulk_create(
        [
            TrainingMetric(job=job, step=1, epoch=0.1, loss=0.9, components={"cls": 0.9}),
            TrainingMetric(job=job, step=2, epoch=0.2, loss=0.7, components={"cls": 0.7}),
        ]
    )
    job.log("attempt 1 started on celery@test")

    page = staff_client.get(f"/dashboard/jobs/{job.pk}/")
    html = page.content.decode()

    assert [p["step"] for p in page.context["points"]] == [1, 2]
    assert '<canvas id="loss-chart" data-points="2"' in html and 'id="points-data"' in html
    assert "attempt 1 started on celery@test" in html
    assert "/static/vendor/chart-4.6.1.umd.min.js" in html and "/static/js/training-job.js" in html
    assert 'data-action="cancel" hidden' not in html and 'data-action="retry" hidden' in html


def test_every_script_comes_from_the_app_itself(staff_client, finished_job):
    for url in ("/dashboard/", f"/dashboard/jobs/{finished_job.pk}/", f"/dashboard/compare/?jobs={finished_job.pk}"):
        html = staff_client.get(url).content.decode()
        assert '<script src="http' not in html and "cdn" not in html.lower()
    assert finders.find("vendor/chart-4.6.1.umd.min.js")


def test_the_compare_page_shows_runs_side_by_side_with_their_loss_curves(staff_client, finished_job, make_job):
    other = make_job("succeeded", metrics={"test": {"f1": 0.5, "accuracy": 0.9}, "layers": 3, "layer_map": [1, 3, 5]})
    TrainingMetric.objects.bulk_create(TrainingMetric(job=other, step=s, epoch=1, loss=1 / s) for s in (1, 2, 3))

    page = staff_client.get(f"/dashboard/compare/?jobs={finished_job.pk}&jobs={other.pk}")
    html = page.content.decode()

    headings = [heading for heading, *_ in page.context["columns"]]
    for heading in (
        "loss cls",
        "loss div",
        "loss cos",
        "accuracy",
        "precision",
        "recall",
        "F1",
        "ROC-AUC",
        "params",
        "size MB",
        "ms/comment",
    ):
        assert heading in headings
    rows = {
        job: {heading: text for heading, text, _ in row} for job, _gate, _sample, row in page.context["rows_by_job"]
    }
    assert rows[other]["layers"] == "3 (1,3,5)" and rows[other]["F1"] == "0.5000"
    assert rows[finished_job]["F1"] == f"{finished_job.test_f1:.4f}"
    assert page.context["curves"][other.pk] == {"loss": [[1, 1.0], [2, 0.5], [3, 1 / 3]]}
    assert 'id="compare-chart"' in html


def test_the_compare_page_shows_a_baseline_run_with_dashes_for_what_it_has_not(
    staff_client, finished_job, make_job, baseline_dir
):
    metrics = json.loads((baseline_dir / "metrics.json").read_text())
    baseline = make_job("succeeded", method="baseline", teacher="none", metrics=metrics, output_dir=str(baseline_dir))

    page = staff_client.get(f"/dashboard/compare/?jobs={finished_job.pk}&jobs={baseline.pk}")

    assert page.status_code == 200
    row = {
        heading: text for heading, text, _best in {job: row for job, *_, row in page.context["rows_by_job"]}[baseline]
    }
    assert row["F1"] == f"{metrics['test']['f1']:.4f}" and row["layers"] == "—" and row["loss div"] == "—"
    assert page.context["curves"][baseline.pk] == {"loss": []}


def test_promote_shows_the_models_figures_then_makes_it_serve_and_records_who_and_when(
    staff_client, staff, promotable_job
):
    shown = staff_client.post(f"/dashboard/jobs/{promotable_job.pk}/promote/", follow=True)
    assert ModelVersion.current() is None, "the job's button leads to the figures; promoting is the next click"
    version = ModelVersion.objects.get(name=f"job-{promotable_job.pk}")
    assert shown.redirect_chain[-1][0] == f"/dashboard/models/{version.pk}/#promote"
    assert 'id="gate-figures"' in shown.content.decode() and 'id="activate-form"' in shown.content.decode()

    response = staff_client.post(f"/dashboard/models/{version.pk}/activate/", follow=True)

    assert ModelVersion.current() == version and version.artifact_path == promotable_job.output_dir
    promotion = Promotion.objects.get()
    assert (promotion.model_version, promotion.promoted_by, promotion.source) == (version, staff, "dashboard")
    assert not promotion.forced and promotion.figures["candidate"]["f1"] == pytest.approx(version.serving_f1)
    assert timezone.now() - promotion.promoted_at < timedelta(minutes=1)
    assert "now serves the checker" in response.content.decode()
    assert staff_client.get("/api/v1/model").json()["name"] == f"job-{promotable_job.pk}"
    assert promotable_job.log_entries.last().message == (
        f"promoted by ada: model 'job-{promotable_job.pk}' now serves the checker"
    )


def test_promote_switches_from_the_model_that_was_active(staff_client, promotable_job, active_model):
    from webapp.checker import scoring

    scoring.measure(active_model)
    version = jobs.register_model(promotable_job)
    staff_client.post(f"/dashboard/models/{version.pk}/activate/")
    active_model.refresh_from_db()
    assert not active_model.active and ModelVersion.current().name == f"job-{promotable_job.pk}"
    assert Promotion.objects.get().previous == active_model


def test_a_button_the_jobs_state_does_not_allow_explains_why(staff_client, make_job):
    job = make_job("running")
    response = staff_client.post(f"/dashboard/jobs/{job.pk}/promote/", {"confirm": "yes"}, follow=True)
    assert "only a succeeded job can be promoted; this one is running" in response.content.decode()
    assert ModelVersion.current() is None


def test_a_finished_jobs_page_shows_its_confusion_matrix_and_validation_curve(staff_client, finished_job):
    metrics = finished_job.metrics
    (tn, fp), (fn, tp) = metrics["test_at_threshold"]["confusion_matrix"]

    page = staff_client.get(f"/dashboard/jobs/{finished_job.pk}/")

    html = page.content.decode()
    matrix = html[html.index('id="confusion-matrix"') : html.index("</table>", html.index('id="confusion-matrix"'))]
    cells = [int(cell) for cell in re.findall(r'<td class="num">(\d+)', matrix)]
    assert cells == [tn, fp, fn, tp] and sum(cells) == metrics["test"]["n"]
    headers = re.findall(r"<th[^>]*>([^<]*)</th>", matrix)
    assert headers == ["actual \\ predicted", LABELS[0], LABELS[1], LABELS[0], LABELS[1]]
    curve = json.loads(html.split('<script id="curve-data" type="application/json">')[1].split("</script>")[0])
    assert curve == metrics["validation_curve"] and len(curve["threshold"]) > 1
    assert f'data-threshold="{metrics["threshold"]:.6f}" data-label="tuned threshold"' in html
