"""The dependency rule row by row: a student of a teacher job that has not finished waits, and is
queued, failed or cancelled when its teacher ends; launching and finishing at once on two PostgreSQL
connections leaves nothing waiting. (Through a real worker: tests/worker/test_waiting_jobs_run.py.)"""

import json
import threading
import time

import pytest
from django.db import connection, connections, transaction
from services import unique_queue

from ml.progress import TrainResult
from tests.support.jobs import claim, fresh, log_of
from webapp.queue import TRAIN_JOB
from webapp.training import attempts, jobs, lifecycle
from webapp.training.models import TrainingJob
from webapp.training.options import validate


@pytest.fixture
def student_options(tiny_options):
    return validate({**tiny_options, "method": "odd"})


def succeeded_result(run_dir):
    return TrainResult("succeeded", str(run_dir), json.loads((run_dir / "metrics.json").read_text()))


def test_a_student_of_a_queued_teacher_waits_and_sends_no_message(
    make_job, staff, student_options, django_capture_on_commit_callbacks
):
    teacher = make_job()
    with django_capture_on_commit_callbacks() as sent:
        student = jobs.launch(student_options, staff, teacher_job=teacher)

    assert not sent, "a waiting job has no Celery message until its teacher succeeds"
    assert (student.status, student.queue_position(), student.can_cancel) == ("waiting", None, True)
    assert log_of(student) == ["created by ada", f"waiting for job {teacher.pk} (teacher)"]


def test_a_student_of_a_succeeded_teacher_is_queued_at_once(finished_job, staff, student_options):
    student = jobs.launch({**student_options, "teacher": finished_job.output_dir}, staff, teacher_job=finished_job)
    assert student.status == "queued"


@pytest.mark.parametrize("status", ["failed", "cancelled"])
def test_a_teacher_that_failed_or_was_cancelled_cannot_teach(make_job, staff, student_options, status):
    teacher = make_job(status)
    with pytest.raises(jobs.JobStateError, match=f"its teacher, job {teacher.pk}, is {status}"):
        jobs.launch(student_options, staff, teacher_job=teacher)
    assert not TrainingJob.objects.filter(teacher_job=teacher).exists()


def test_a_succeeding_teacher_queues_its_students_with_its_model_as_their_teacher(
    make_job, staff, student_options, tiny_artifact_dir, django_capture_on_commit_callbacks, monkeypatch
):
    sent = []
    monkeypatch.setattr(lifecycle, "send", lambda task, job_id, task_id: sent.append((task, job_id, task_id)))
    teacher = make_job()
    students = [jobs.launch(student_options, staff, teacher_job=teacher) for _ in range(2)]
    attempt = claim(teacher)
    with django_capture_on_commit_callbacks(execute=True):
        attempts.finish(attempt, succeeded_result(tiny_artifact_dir))

    for student in map(fresh, students):
        assert (student.status, student.teacher) == ("queued", str(tiny_artifact_dir))
        assert student.config["teacher"] == str(tiny_artifact_dir)
        assert f"its teacher, job {teacher.pk}, succeeded" in log_of(student)[-1]
    assert sorted(sent) == sorted((TRAIN_JOB, s.pk, s.celery_task_id) for s in map(fresh, students)), "once committed"


def test_cancelling_a_queued_teacher_cancels_its_students_and_theirs(make_job, staff, student_options):
    teacher = make_job()
    student = jobs.launch(student_options, staff, teacher_job=teacher)
    grandchild = jobs.launch(student_options, staff, teacher_job=student)  # the rule does not care about methods
    jobs.cancel(teacher, staff)

    assert fresh(student).status == fresh(grandchild).status == "cancelled"
    assert log_of(student)[-1] == f"its teacher, job {teacher.pk}, was cancelled: it will not start"
    assert log_of(grandchild)[-1] == f"its teacher, job {student.pk}, was cancelled: it will not start"


def test_a_waiting_student_can_be_cancelled_alone(make_job, staff, student_options):
    teacher = make_job()
    student = jobs.launch(student_options, staff, teacher_job=teacher)
    jobs.cancel(student, staff)
    assert (fresh(student).status, fresh(teacher).status) == ("cancelled", "queued")


def test_a_failing_teacher_fails_its_students_with_the_reason(make_job, staff, student_options):
    teacher = make_job()
    student = jobs.launch(student_options, staff, teacher_job=teacher)
    attempts.fail(claim(teacher), "out of memory")

    student = fresh(student)
    assert (student.status, student.error) == ("failed", f"its teacher, job {teacher.pk}, is failed: it will not start")


def test_retrying_a_student_learns_from_its_teachers_retry_and_waits_for_it(make_job, staff, student_options):
    teacher = make_job()
    student = jobs.launch(student_options, staff, teacher_job=teacher)
    attempts.fail(claim(teacher), "out of memory")
    with pytest.raises(jobs.JobStateError):
        jobs.retry(fresh(student), staff)  # its teacher failed and was not retried

    teacher_retry, _ = jobs.retry(fresh(teacher), staff)
    student_retry, _ = jobs.retry(fresh(student), staff)
    assert (student_retry.teacher_job, student_retry.status) == (teacher_retry, "waiting")


def test_the_api_launches_a_student_of_a_running_teacher_as_waiting(staff_client, make_job, tiny_options):
    teacher = make_job("running")
    body = {**tiny_options, "method": "odd", "teacher_job": teacher.pk}
    body.pop("teacher")
    response = staff_client.post("/api/v1/jobs", body, content_type="application/json")

    assert response.status_code == 201, response.content
    assert (response.json()["status"], response.json()["teacher_job"]) == ("waiting", teacher.pk)
    failed = make_job("failed")
    response = staff_client.post("/api/v1/jobs", {**body, "teacher_job": failed.pk}, content_type="application/json")
    assert response.status_code == 400 and response.json()["field"] == "teacher_job"


def test_a_student_launched_while_its_teacher_is_being_finished_is_released(
    transactional_db, make_job, staff, student_options, tiny_artifact_dir, settings
):
    """The launch locks the teacher's row until it commits: a finish on another connection waits for
    it and then finds the new student (without the lock it would miss it, and the student would wait forever)."""
    settings.TOXILAB_TRAINING_QUEUE = unique_queue()  # the released student's message reaches no worker
    teacher = make_job()
    attempt = claim(teacher)
    errors = []

    def finish_elsewhere():
        try:
            attempts.finish(attempt, succeeded_result(tiny_artifact_dir))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    with transaction.atomic():
        student = jobs.launch(student_options, staff, teacher_job=teacher)
        finisher = threading.Thread(target=finish_elsewhere)
        finisher.start()
        _wait_for_a_blocked_lock(errors)
    finisher.join(30)

    assert not errors and not finisher.is_alive()
    assert (fresh(teacher).status, fresh(student).status) == ("succeeded", "queued")


def _wait_for_a_blocked_lock(errors, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not errors:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_stat_clear_snapshot()")  # else a transaction sees one frozen view
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND wait_event_type = 'Lock'"
                " AND query LIKE 'SELECT %training_trainingjob%'"  # (the text is cut before its FOR UPDATE)
            )
            if cursor.fetchone()[0]:
                return
        time.sleep(0.05)
    raise AssertionError(f"the finish never waited for the teacher's lock {errors}")
