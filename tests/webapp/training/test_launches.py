"""One launch-request builder (webapp.training.launches): the same request launched through the form,
the API, the starter and a study stores the same job, and every way takes the same teacher jobs (one
that succeeded, or one still to finish, which the new job waits for)."""

import ast
import json
from pathlib import Path

import pytest

from webapp.training import launches, starter
from webapp.training.models import TrainingJob
from webapp.training.options import OPTIONS, OptionError

# A browser posts a ticked checkbox as "on" and leaves an unticked one out.
TICKED = {option.name: "on" for option in OPTIONS if option.kind is bool and option.default is True}


def stored(job):
    return {
        "method": job.method,
        "teacher": job.teacher,
        "teacher_job": job.teacher_job_id,
        "dataset": job.dataset,
        "config": job.config,
    }


def through_the_form(client, request):
    fields = {"teacher": "", **TICKED, **request}  # the teacher field left blank: the job's or the server's
    response = client.post("/dashboard/jobs/new/", fields)
    assert response.status_code == 302, response.context["form"].errors
    return TrainingJob.objects.get(pk=response["Location"].rstrip("/").rsplit("/", 1)[1])


def through_the_api(client, request):
    response = client.post("/api/v1/jobs", request, content_type="application/json")
    assert response.status_code == 201, response.content
    return TrainingJob.objects.get(pk=response.json()["id"])


def through_a_study(client, request, methods):
    body = {**{k: v for k, v in request.items() if k not in ("method", "teacher_job")}, "methods": methods}
    response = client.post("/api/v1/studies", {**body, "seeds": [42]}, content_type="application/json")
    assert response.status_code == 201, response.content
    return {job["method"]: TrainingJob.objects.get(pk=job["id"]) for job in response.json()["jobs"]}


@pytest.fixture
def starter_jobs(db, settings, data_dir, tiny_bert_dir):
    """The starter's jobs by stage (its quick preset's teacher and student), on the test's data and tiny teacher."""
    settings.TOXILAB_STARTER = True
    settings.TOXILAB_DATASET, settings.TOXILAB_TEACHER = str(data_dir), str(tiny_bert_dir)
    settings.TOXILAB_STARTER_PRESET = "quick"
    starter.start()
    return {job.starter_stage: job for job in TrainingJob.objects.exclude(starter_stage="")}


def the_starters_request(stage, teacher_job=None):
    """What the starter asks for a stage of its preset (starter.stage_request), less its settings' defaults."""
    stage = next(s for s in starter.preset_stages() if s.name == stage)
    request = {k: v for k, v in starter.stage_request(stage).items() if k not in ("teacher", "teacher_job")}
    return {**request, "teacher_job": teacher_job} if teacher_job else request


def test_the_same_request_through_the_form_the_api_the_starter_and_a_study_stores_the_same_job(
    staff_client, starter_jobs, tiny_bert_dir
):
    request = {**the_starters_request("teacher"), "teacher": str(tiny_bert_dir)}

    jobs = [
        starter_jobs["teacher"],
        through_the_form(staff_client, request),
        through_the_api(staff_client, request),
        through_a_study(staff_client, request, ["teacher"])["teacher"],
    ]

    first = stored(jobs[0])
    assert first["config"]["max_eval_samples"] == 2000 and first["config"]["epochs"] == 2
    assert [stored(job) for job in jobs] == [first] * 4
    assert {job.status for job in jobs} == {"queued"}


def test_a_student_of_an_unfinished_teacher_job_waits_for_it_whichever_way_it_is_launched(staff_client, starter_jobs):
    teacher = starter_jobs["teacher"]  # queued: the worker has not started it
    request = the_starters_request("student", teacher_job=teacher.pk)

    students = [
        starter_jobs["student"],
        through_the_form(staff_client, request),
        through_the_api(staff_client, request),
    ]

    assert [stored(job) for job in students] == [stored(students[0])] * 3
    page = staff_client.get(f"/dashboard/jobs/{students[1].pk}/").content.decode()
    assert f"Job {students[1].pk} is waiting for job {teacher.pk}, its teacher." in page
    assert {(job.status, job.teacher_job_id, job.teacher) for job in students} == {
        ("waiting", teacher.pk, teacher.teacher)
    }
    by_method = through_a_study(staff_client, {**request, "teacher": teacher.teacher}, ["teacher", "odd"])
    in_study = stored(by_method["odd"])
    assert in_study == {**stored(students[0]), "teacher_job": by_method["teacher"].pk}


def test_the_form_offers_the_teacher_jobs_the_api_accepts(staff_client, make_job, finished_job, data_dir):
    offered_or_not = [
        finished_job,
        make_job("running"),
        make_job("queued"),
        make_job("failed"),
        make_job("cancelled"),
        make_job("succeeded", method="odd", output_dir=finished_job.output_dir),
    ]
    page = staff_client.get("/dashboard/jobs/new/").context["form"]
    offered = {choice.value for choice, _ in page.fields["teacher_job"].choices if choice}

    body = {"method": "odd", "dataset": str(data_dir), "max_train_samples": 64}
    accepted = {
        job.pk for job in offered_or_not if through_status(staff_client, {**body, "teacher_job": job.pk}) == 201
    }
    assert offered == accepted == {job.pk for job in offered_or_not[:3]}


def through_status(client, body):
    return client.post("/api/v1/jobs", json.dumps(body), content_type="application/json").status_code


def test_a_teacher_job_that_cannot_teach_is_refused_on_its_field_by_the_form_and_the_api(
    staff_client, make_job, data_dir
):
    failed = make_job("failed")
    request = {"method": "odd", "dataset": str(data_dir), "teacher_job": failed.pk}

    form = staff_client.post("/dashboard/jobs/new/", {"teacher": "", **request})
    api = staff_client.post("/api/v1/jobs", request, content_type="application/json")

    assert form.status_code == 400 and list(form.context["form"].errors) == ["teacher_job"]
    assert api.status_code == 400 and api.json()["field"] == "teacher_job"
    assert TrainingJob.objects.count() == 1


def test_a_teacher_job_that_fails_while_the_form_is_sent_is_a_409_on_its_field(
    staff_client, make_job, data_dir, monkeypatch
):
    failed = make_job("failed")  # as if it failed between the form's check and the launch
    monkeypatch.setattr(launches, "teacher_jobs", lambda: TrainingJob.objects.filter(method="teacher"))

    response = staff_client.post(
        "/dashboard/jobs/new/", {"method": "odd", "teacher": "", "dataset": str(data_dir), "teacher_job": failed.pk}
    )

    assert response.status_code == 409
    assert response.context["form"].errors["teacher_job"] == [
        f"its teacher, job {failed.pk}, is failed: it cannot teach"
    ]
    assert TrainingJob.objects.count() == 1


def test_a_request_without_teacher_or_dataset_takes_the_servers(db, settings, data_dir, tiny_bert_dir):
    settings.TOXILAB_DATASET, settings.TOXILAB_TEACHER = str(data_dir), str(tiny_bert_dir)

    launch = launches.build({"method": "teacher", "max_train_samples": 64, "name": "a first try"})

    assert (launch.options["teacher"], launch.options["dataset"]) == (str(tiny_bert_dir), str(data_dir))
    assert (launch.teacher_job, launch.include_reviewed, launch.name, launch.note) == (None, False, "a first try", "")


def test_a_blank_teacher_is_none_for_the_baseline_and_an_error_for_a_method_that_reads_one(db, data_dir):
    baseline = launches.build({"method": "baseline", "teacher": " ", "dataset": f" {data_dir} "})
    assert (baseline.options["teacher"], baseline.options["dataset"]) == ("none", str(data_dir))

    with pytest.raises(OptionError) as refused:
        launches.build({"method": "odd", "teacher": "", "dataset": str(data_dir)})
    assert (refused.value.field, refused.value.message) == (
        "teacher",
        "choose a teacher: a name, a path or a teacher job",
    )


def test_no_way_of_launching_stores_a_job_but_through_the_builder_or_a_retry():
    """jobs.launch, which stores a job, is called by Launch.submit and by jobs.retry (a copy of a
    stored job's checked options) only."""
    root = Path(__file__).resolve().parents[3]
    callers = set()
    for source in [*(root / "webapp").rglob("*.py"), *(root / "worker").rglob("*.py")]:
        path = str(source.relative_to(root))
        for function in ast.walk(ast.parse(source.read_text())):
            if isinstance(function, ast.FunctionDef) and any(_calls_launch(node, path) for node in ast.walk(function)):
                callers.add((path, function.name))
    assert callers == {("webapp/training/launches.py", "submit"), ("webapp/training/jobs.py", "retry")}


def _calls_launch(node, path):
    if not isinstance(node, ast.Call):
        return False
    function = node.func
    if isinstance(function, ast.Attribute):
        return function.attr == "launch" and getattr(function.value, "id", None) == "jobs"
    return path == "webapp/training/jobs.py" and getattr(function, "id", None) == "launch"
