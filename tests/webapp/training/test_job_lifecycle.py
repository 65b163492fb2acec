"""A job's state machine has one writer: webapp.training.lifecycle alone writes a job's status, and
its `end` alone finishes a job, whichever way that happens (a worker's result, a lost attempt, a
cancel, a teacher that ended, a message the broker would not take). Rows only: no worker runs here
(tests/worker runs the same transitions through a real one)."""

import ast
import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from ml.progress import TrainResult
from tests.support.jobs import PID, WORKER, claim, fresh
from webapp.training import attempts, events, jobs, lifecycle
from webapp.training.options import validate

ROOT = Path(__file__).resolve().parents[3]
LIFECYCLE = "webapp/training/lifecycle.py"
# A row built, never saved, to describe a running attempt's step report to the JobState schema.
DESCRIBES_ONLY = {("webapp/training/state.py", "progress_state")}
WRITERS = {"update", "create", "get_or_create", "update_or_create", "TrainingJob"}


def status_writes(source):
    """(function, what) of each write of a `status` in Python source: an assignment to `x.status`,
    `status=` given to update(), create() or the TrainingJob constructor, or setattr(x, "status", ...)."""
    found = []

    def visit(node, function):
        for child in ast.iter_child_nodes(node):
            inner = child.name if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) else function
            found.extend((inner, what) for what in _writes(child))
            visit(child, inner)

    visit(ast.parse(source), None)
    return found


def _writes(node):
    if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        for target in _flat(targets):
            if isinstance(target, ast.Attribute) and target.attr == "status":
                yield f"{ast.unparse(target)} = ..."
    elif isinstance(node, ast.Call):
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
        if name in WRITERS and any(keyword.arg == "status" for keyword in node.keywords):
            yield f"{name}(status=...)"
        if name == "setattr" and len(node.args) > 1 and getattr(node.args[1], "value", None) == "status":
            yield 'setattr(..., "status", ...)'


def _flat(targets):
    for target in targets:
        if isinstance(target, (ast.Tuple, ast.List)):
            yield from _flat(target.elts)
        else:
            yield target


def test_no_module_but_the_lifecycle_writes_a_jobs_status():
    sources = [*(ROOT / "webapp").rglob("*.py"), *(ROOT / "worker").rglob("*.py")]
    writes = {
        (path, function, what)
        for source in sources
        if (path := str(source.relative_to(ROOT))) != LIFECYCLE
        for function, what in status_writes(source.read_text())
        if (path, function) not in DESCRIBES_ONLY
    }
    assert writes == set(), "a job's status is written by webapp.training.lifecycle only"
    assert status_writes((ROOT / LIFECYCLE).read_text()), "the scan reads the lifecycle's own writes"


def test_the_scan_sees_each_way_of_writing_a_status_and_no_read():
    source = """
def assigned(job):
    job.status = "failed"
def unpacked(job):
    job.status, job.finished = "failed", now()
def updated():
    TrainingJob.objects.filter(pk=1).update(status="failed")
def created():
    TrainingJob.objects.create(method="teacher", status="queued")
def constructed():
    return TrainingJob(status="running")
def set_by_name(job):
    setattr(job, "status", "cancelled")
def reads(job):
    return TrainingJob.objects.filter(status="queued").exists() or job.status == "failed"
"""
    assert [function for function, _ in status_writes(source)] == [
        "assigned",
        "unpacked",
        "updated",
        "created",
        "constructed",
        "set_by_name",
    ]


def test_in_the_lifecycle_only_end_gives_a_final_status_or_a_finish_time():
    """The other transitions write waiting, queued or running; `end` writes the rest."""
    tree = ast.parse((ROOT / LIFECYCLE).read_text())
    for function in (node for node in tree.body if isinstance(node, ast.FunctionDef)):
        for target, value in _assignments(function):
            if function.name == "end" or not isinstance(target, ast.Attribute):
                continue
            assert target.attr != "finished", f"{function.name} writes a finish time"
            if target.attr == "status":
                written = {node.attr for node in ast.walk(value) if isinstance(node, ast.Attribute)}
                assert written and written <= {"WAITING", "QUEUED", "RUNNING"}, (function.name, ast.unparse(value))


def _assignments(function):
    for node in ast.walk(function):
        if not isinstance(node, ast.Assign):
            continue
        for target in node.targets:
            if isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple):
                yield from zip(target.elts, node.value.elts, strict=True)
            else:
                yield target, node.value


def broken_send(task, *args, task_id=None):
    raise ConnectionError("Error 111 connecting to 127.0.0.1:6399. Connection refused.")


@pytest.fixture
def ended(monkeypatch):
    """(job id, status) of each call of lifecycle.end, which still does its work."""
    calls, end = [], lifecycle.end

    def spy(job, status, message, error=False):
        calls.append((job.pk, status))
        end(job, status, message, error=error)

    monkeypatch.setattr(lifecycle, "end", spy)
    return calls


@pytest.fixture
def student_options(tiny_options):
    return validate({**tiny_options, "method": "odd"})


def stale(make_job, **fields):
    return make_job("running", heartbeat=timezone.now() - timedelta(hours=1), **fields)


def run_result(status, run_dir):
    return TrainResult(status, str(run_dir), json.loads((run_dir / "metrics.json").read_text()))


class Endings:
    """Each way a job can end, as a method that returns the job and the status it ends with."""

    def __init__(self, request, monkeypatch):
        self.request, self.monkeypatch = request, monkeypatch
        self.make_job, self.staff = request.getfixturevalue("make_job"), request.getfixturevalue("staff")

    def cancelled_before_it_started(self):
        return jobs.cancel(self.make_job(), self.staff), "cancelled"

    def cancelled_while_waiting(self):
        return jobs.cancel(self._student(), self.staff), "cancelled"

    def ended_with_its_teacher(self):
        student = self._student()
        jobs.cancel(student.teacher_job, self.staff)
        return student, "cancelled"

    def failed_by_its_worker(self):
        job = self.make_job()
        attempts.fail(claim(job), "out of memory")
        return job, "failed"

    def stopped_by_its_worker_as_asked(self):
        return self._finished("cancelled"), "cancelled"

    def succeeded(self):
        return self._finished("succeeded"), "succeeded"

    def killed_at_the_hard_time_limit(self):
        job = self.make_job()
        claim(job)
        attempts.fail_task(job.celery_task_id, "killed at the hard time limit")
        return job, "failed"

    def lost_with_no_attempt_left(self):  # its message came back: its worker process died
        job = self.make_job("running")
        assert claim(job) is None
        return job, "failed"

    def lost_while_asked_to_stop(self):
        job = self.make_job("running", cancel_requested=True)
        assert claim(job) is None
        return job, "cancelled"

    def silent_with_no_attempt_left(self):  # its heartbeat stopped: its whole worker died
        job = stale(self.make_job)
        attempts.recover_stale()
        return job, "failed"

    def refused_by_the_broker(self):
        self.monkeypatch.setattr(lifecycle, "send", broken_send)
        capture = self.request.getfixturevalue("django_capture_on_commit_callbacks")
        with pytest.raises(lifecycle.QueueUnavailable), capture(execute=True):
            job = jobs.launch(validate(self.request.getfixturevalue("tiny_options")), self.staff)
        return job, "failed"

    def _student(self):
        options = self.request.getfixturevalue("student_options")
        return jobs.launch(options, self.staff, teacher_job=self.make_job())

    def _finished(self, status):
        job = self.make_job()
        attempts.finish(claim(job), run_result(status, self.request.getfixturevalue("tiny_artifact_dir")))
        return job


@pytest.mark.parametrize("way", [name for name in vars(Endings) if not name.startswith("_")])
def test_every_way_a_job_ends_goes_through_the_one_end(request, monkeypatch, settings, ended, way):
    settings.TOXILAB_JOB_MAX_ATTEMPTS = 1
    job, status = getattr(Endings(request, monkeypatch), way)()

    job = fresh(job)
    assert job.status == status and (job.pk, status) in ended
    assert job.finished is not None and job.heartbeat is None
    assert bool(job.error) == (status == "failed")


def test_a_job_whose_message_cannot_be_sent_fails_and_so_do_the_students_waiting_for_it(
    make_job, staff, student_options, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.TOXILAB_JOB_MAX_ATTEMPTS = 2
    teacher = stale(make_job)  # its worker died: it is re-queued, and the broker is down
    student = jobs.launch(student_options, staff, teacher_job=teacher)
    monkeypatch.setattr(lifecycle, "send", broken_send)

    with django_capture_on_commit_callbacks(execute=True):
        assert attempts.recover_stale() == 1

    teacher, student = fresh(teacher), fresh(student)
    assert teacher.status == "failed" and teacher.error.startswith("could not reach the queue (Error 111")
    assert teacher.log_entries.last().message == teacher.error
    assert (student.status, student.error) == ("failed", f"its teacher, job {teacher.pk}, is failed: it will not start")


def test_a_claimed_job_and_a_released_student_are_shown_live_once_committed(
    make_job, staff, student_options, tiny_artifact_dir, monkeypatch, django_capture_on_commit_callbacks
):
    shown = []
    monkeypatch.setattr(events, "publish", lambda job_id, **data: shown.append((job_id, data)))
    monkeypatch.setattr(lifecycle, "send", lambda task, *args, task_id=None: None)
    teacher = make_job()
    student = jobs.launch(student_options, staff, teacher_job=teacher)

    with django_capture_on_commit_callbacks(execute=True):
        attempt = claim(teacher)
    [(job_id, started)] = shown
    assert (job_id, started["job"]["status"]) == (teacher.pk, "running")
    assert [entry["message"] for entry in started["log"]] == [f"attempt 1 started on {WORKER} (pid {PID}, cpu)"]

    with django_capture_on_commit_callbacks(execute=True):
        attempts.finish(attempt, run_result("succeeded", tiny_artifact_dir))
    [released] = [data for job_id, data in shown if job_id == student.pk]
    assert released["job"]["status"] == "queued" and "succeeded: queued to learn from" in released["log"][0]["message"]
