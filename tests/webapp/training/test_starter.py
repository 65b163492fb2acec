"""The starter: on a database with no model, the first start queues a first baseline, then the runs of
its preset (the full-split baseline, a teacher and an odd-layer student waiting for it), once per
database, unless TOXILAB_STARTER=0; meanwhile the checker page says what is happening in plain words,
with its stages, and takes a comment to check once a model serves; and then, that a better one is training."""

import io

import pytest
from django.core.management import call_command

from webapp.checker.registry import register
from webapp.training import starter
from webapp.training.models import Starter, TrainingJob

Status = TrainingJob.Status


@pytest.fixture
def starter_on(db, settings, data_dir):
    settings.TOXILAB_STARTER = True
    settings.TOXILAB_DATASET = str(data_dir)
    return settings


def stages():
    return {job.starter_stage: job for job in TrainingJob.objects.exclude(starter_stage="")}


def test_the_first_start_queues_a_first_baseline_then_the_full_data_preset(starter_on):
    row = starter.start()

    jobs = stages()
    first, baseline, teacher, student = (jobs[name] for name in ("first", "baseline", "teacher", "student"))
    assert row.baseline_job == first and (first.method, first.status) == ("baseline", Status.QUEUED)
    assert first.config["max_train_samples"] == starter_on.TOXILAB_STARTER_BASELINE_SAMPLES
    assert (baseline.method, baseline.config["max_train_samples"], baseline.config["max_eval_samples"]) == (
        "baseline",
        None,
        None,
    ), "the full-split baseline, scored on the whole splits"
    assert (teacher.method, teacher.status, teacher.config["max_train_samples"]) == ("teacher", Status.QUEUED, None)
    assert (student.method, student.status, student.teacher_job) == ("odd", Status.WAITING, teacher)
    assert first.pk < baseline.pk < teacher.pk < student.pk  # the one worker takes the first model first
    assert not row.blocked


@pytest.mark.parametrize(
    ("preset", "samples"),
    [("quick", {"teacher": 2000, "student": 2000}), ("none", {})],
    ids=["quick: the short pipeline", "none: the first model alone"],
)
def test_a_smaller_preset_keeps_the_short_pipeline_or_the_first_model_alone(starter_on, preset, samples):
    starter_on.TOXILAB_STARTER_PRESET = preset
    starter.start()

    assert {name: job.config["max_train_samples"] for name, job in stages().items()} == {
        "first": starter_on.TOXILAB_STARTER_BASELINE_SAMPLES,
        **samples,
    }


def test_it_runs_once_per_database(starter_on):
    assert starter.start() is not None
    assert starter.start() is None

    assert Starter.objects.count() == 1 and TrainingJob.objects.count() == 4


def test_it_does_nothing_with_TOXILAB_STARTER_0(starter_on):
    starter_on.TOXILAB_STARTER = False

    assert starter.start() is None
    assert not Starter.objects.exists() and not TrainingJob.objects.exists()


def test_it_does_nothing_on_a_database_that_has_a_model(starter_on, active_model):
    assert starter.start() is None
    assert not TrainingJob.objects.exists()


def test_a_dataset_that_cannot_be_reached_is_said_on_the_checker_page_not_failed_later(starter_on, client):
    starter_on.TOXILAB_DATASET = "OxAISH-AL-LLM/wiki_toxic"  # a hub id, and this machine is offline

    row = starter.start()
    page = client.get("/").content.decode()

    assert row.baseline_job is None and not TrainingJob.objects.exists()
    assert "The first model cannot be trained: its dataset cannot be used" in page
    assert "cannot be reached" in page and "Staff can set TOXILAB_DATASET" in page
    assert "manage.py" not in page


def test_the_checker_shows_the_first_models_stages_and_progress_and_takes_a_comment_meanwhile(starter_on, client):
    row = starter.start()
    TrainingJob.objects.filter(pk=row.baseline_job_id).update(
        status=Status.RUNNING, step=43, total_steps=100, eta_s=130
    )

    page = client.get("/").content.decode()
    live = client.get("/first-model").json()

    expected = "The first model is training: 43 %, about 2 min left."
    assert expected in page and "manage.py" not in page
    assert "Check when the model is ready</button>" in page and 'data-no-model="1"' in page
    assert "disabled" not in page.split("<textarea", 1)[1].split(">", 1)[0]
    assert 'data-url="/first-model"' in page and "js/first-model.js" in page
    stages = [(stage["name"], stage["state"]) for stage in live.pop("stages")]
    assert live == {"ready": False, "state": "training", "message": expected, "progress": 0.43, "eta_s": 130}
    assert [state for _, state in stages] == ["done", "current", "todo"]
    assert '<li data-state="current" aria-current="step">The first model trains</li>' in page


def test_an_eta_is_shown_only_once_it_is_stable(starter_on, client):
    row = starter.start()
    TrainingJob.objects.filter(pk=row.baseline_job_id).update(status=Status.RUNNING, step=4, total_steps=100, eta_s=900)

    live = client.get("/first-model").json()

    assert live["message"] == "The first model is training: 4 %." and live["eta_s"] is None


def test_each_state_names_its_stage(starter_on):
    assert [stage["state"] for stage in starter.stages("queued")] == ["current", "todo", "todo"]
    assert [stage["state"] for stage in starter.stages("loading")] == ["done", "done", "current"]
    assert [stage["state"] for stage in starter.stages("ready")] == ["done", "done", "done"]
    assert {stage["state"] for stage in starter.stages("failed")} == {"todo"}


def test_the_status_is_ready_once_a_model_serves_and_the_form_is_enabled(client, db, tiny_artifact_dir):
    register(tiny_artifact_dir, name="tiny").activate()

    page = client.get("/").content.decode()

    assert client.get("/first-model").json()["ready"] is True
    assert '<button type="submit">' in page and "first-model.js" not in page


def test_with_the_starter_off_and_no_model_the_page_points_staff_to_the_dashboard(client, db):
    page = client.get("/").content.decode()

    assert "Staff can train one from the dashboard" in page and "manage.py" not in page
    assert client.post("/first-model").status_code == 405


def test_manage_py_start_first_model_queues_it_once_for_servers_not_started_by_make_run(starter_on):
    out = io.StringIO()
    call_command("start_first_model", stdout=out)
    call_command("start_first_model", stdout=out)

    first, again = out.getvalue().splitlines()
    row = Starter.objects.get()
    assert first == f"No model yet: the starter queued job {row.baseline_job_id}, a first model the checker serves."
    assert again.startswith("Nothing to start") and TrainingJob.objects.count() == 4


def test_once_a_model_serves_the_checker_and_dashboard_say_a_better_one_is_training(
    starter_on, client, staff_client, tiny_artifact_dir
):
    starter.start()
    register(tiny_artifact_dir, name="tiny").activate()
    teacher = stages()["teacher"]
    TrainingJob.objects.filter(starter_stage="baseline").update(status=Status.SUCCEEDED)
    TrainingJob.objects.filter(pk=teacher.pk).update(status=Status.RUNNING, step=45, total_steps=100, eta_s=720)

    page = client.get("/").content.decode()
    dashboard = staff_client.get("/dashboard/").content.decode()

    assert "A more accurate model is training (45 %, about 12 min left)" in page and 'id="improving"' in page
    assert f"The starter&#x27;s teacher run (job {teacher.pk}, fine-tuned teacher) is running (45 %, about 12 min" in (
        dashboard
    )
    assert "1 more after it" in dashboard and f'href="/dashboard/jobs/{teacher.pk}/"' in dashboard
    TrainingJob.objects.filter(pk=teacher.pk).update(step=5, eta_s=9000)  # too early: the estimate still jumps
    assert "A more accurate model is training (5 %); it takes over" in client.get("/").content.decode()
    TrainingJob.objects.filter(starter_stage__in=("teacher", "student")).update(status=Status.CANCELLED)
    assert 'id="improving"' not in client.get("/").content.decode(), "nothing left to improve: no notice"
