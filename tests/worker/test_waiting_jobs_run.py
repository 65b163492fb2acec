"""A student launched before its teacher job finished waits for it, through a real worker: it is
queued when the teacher succeeds and learns from the teacher's model, and it ends with a teacher that
fails or is cancelled, its log saying why. (The same rule without a worker, row by row, is in
tests/webapp/training/test_job_dependencies.py.)"""

from services import tiny_job_options, wait_until

from tests.support.jobs import fresh, launch_tiny, log_of
from webapp.training import jobs, options

FINAL = ("succeeded", "failed", "cancelled")


def launch_student(user, teacher_job, data, method="odd"):
    config = options.validate(tiny_job_options(jobs.teacher_source(teacher_job), data, method=method))
    return jobs.launch(config, user, teacher_job=teacher_job)


def wait_final(job, worker, timeout=180):
    try:
        return wait_until(lambda: fresh(job).status in FINAL and fresh(job), timeout=timeout, what=f"job {job.pk}")
    except TimeoutError as exc:
        raise AssertionError(f"{exc}; it is {fresh(job).status}; worker log:\n{worker.log()[-4000:]}") from None


def test_a_student_waits_for_its_teacher_job_then_runs_on_the_teachers_model(
    celery_worker, staff_user, tiny_bert_dir, data_dir
):
    teacher = launch_tiny(staff_user, tiny_bert_dir, data_dir, epochs=2)
    student = launch_student(staff_user, teacher, data_dir)

    assert fresh(student).status == "waiting"
    assert f"waiting for job {teacher.pk} (teacher)" in log_of(student)
    assert fresh(student).queue_position() is None

    teacher, student = wait_final(teacher, celery_worker), wait_final(student, celery_worker)
    assert (teacher.status, student.status) == ("succeeded", "succeeded"), (teacher.error, student.error)
    assert student.config["teacher"] == student.teacher == teacher.output_dir
    assert student.started >= teacher.finished
    assert any(f"job {teacher.pk}, succeeded: queued" in m for m in log_of(student))


def test_the_students_of_a_failed_teacher_fail_and_those_of_a_cancelled_one_are_cancelled(
    celery_worker, staff_user, tiny_bert_dir, data_dir
):
    config = options.validate(tiny_job_options(tiny_bert_dir, data_dir))
    broken = jobs.launch({**config, "teacher": str(data_dir / "no-such-model")}, staff_user)  # fails in the worker
    orphan = jobs.launch(options.validate(tiny_job_options(tiny_bert_dir, data_dir, method="odd")), staff_user, broken)
    long_teacher = launch_tiny(staff_user, tiny_bert_dir, data_dir, epochs=40)
    student = launch_student(staff_user, long_teacher, data_dir, method="even")

    assert wait_final(broken, celery_worker).status == "failed"
    orphan = fresh(orphan)
    assert (orphan.status, orphan.started, orphan.attempts) == ("failed", None, 0)
    assert orphan.error == f"its teacher, job {broken.pk}, is failed: it will not start"

    wait_until(lambda: fresh(long_teacher).step >= 2, timeout=90, what="the teacher's second step")
    assert fresh(student).status == "waiting"
    jobs.cancel(long_teacher, staff_user)
    assert wait_final(long_teacher, celery_worker).status == "cancelled"
    student = fresh(student)
    assert (student.status, student.started) == ("cancelled", None)
    assert f"its teacher, job {long_teacher.pk}, was cancelled: it will not start" in log_of(student)
