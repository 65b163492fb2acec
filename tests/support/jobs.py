"""Training jobs in tests: rows as if launched (the options the test does not care about are
placeholders), tiny jobs launched as the dashboard launches them, the launch form's data, a job read
again, its log, and a claim as a worker makes it."""

from tests.support.tiny_bert import tiny_options
from webapp.training import attempts, jobs, options
from webapp.training.models import TrainingJob

PLACEHOLDERS = {"method": "teacher", "teacher": "bundled-minilm", "dataset": "owner/name", "config": {}}
WORKER, PID = "celery@here", 123  # what `claim` says of the worker that took the job


def job_row(status: str, **fields) -> TrainingJob:
    """A TrainingJob in `status` with `fields`, the other launch options placeholders."""
    return TrainingJob.objects.create(**{**PLACEHOLDERS, "status": status, **fields})


def launch_tiny(user, teacher, data, **overrides) -> TrainingJob:
    """A job training the tiny BERT, launched by `user` as the dashboard launches one (validated, queued)."""
    return jobs.launch(options.validate(tiny_options(teacher, data, **overrides)), user)


def form_data(values, **changes) -> dict:
    """The launch form's POST data: `values` with `changes`, the fields whose value is None left out."""
    return {key: value for key, value in {**values, **changes}.items() if value is not None}


def fresh(job) -> TrainingJob:
    """`job` as the database has it now."""
    return TrainingJob.objects.get(pk=job.pk)


def log_of(job) -> list[str]:
    """The messages of `job`'s log, oldest first."""
    return [entry.message for entry in job.log_entries.all()]


def claim(job, task_id=None):
    """The attempt a worker (WORKER, PID, on the CPU) starts on `job` for its task (else `task_id`'s)."""
    return attempts.claim(
        job.pk, task_id or job.celery_task_id, worker=WORKER, pid=PID, device_for=lambda config: "cpu"
    )
