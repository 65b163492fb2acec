"""One way to turn a launch request into a job. The launch form, POST /api/v1/jobs, the starter and
studies all build their jobs here, with the same defaults and one rule for the teacher job a student
learns from (`teacher_jobs`): one that succeeded, or one still to finish, which the student waits for.

`build` takes a request's raw fields and returns a Launch, whose options ml has checked
(options.validate); `Launch.submit` stores and queues its job (jobs.launch). Bad input raises
OptionError naming the field.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q

from ml import methods
from ml.artifacts import read_run_info
from ml.config import NO_TEACHER
from ml.errors import ModelLoadError
from ml.models import resolve_teacher
from webapp.review import dataset as reviewed_dataset
from webapp.training import jobs
from webapp.training.models import TrainingJob
from webapp.training.options import OptionError, validate


@dataclass(frozen=True)
class Launch:
    """What jobs.launch stores for one request."""

    options: dict
    teacher_job: TrainingJob | None = None
    include_reviewed: bool = False
    name: str = ""
    note: str = ""

    def submit(self, user):
        """Store the job for `user` (None: the server) and queue it, or make it wait for its teacher job;
        jobs.launch's JobStateError and QueueUnavailable."""
        return jobs.launch(
            self.options,
            user,
            teacher_job=self.teacher_job,
            include_reviewed=self.include_reviewed,
            name=self.name,
            note=self.note,
        )


def build(fields):
    """The Launch of a request's fields: `method`, `teacher`, `dataset`, `teacher_job` (a job's id),
    `include_reviewed`, `name`, `note` and any training option. A field that is left out (or None)
    takes its default: the server's teacher and dataset, ml's for an option. A teacher job's model is
    the teacher, whatever `teacher` says; a blank teacher is none, which only the baseline may have."""
    data = {name: value for name, value in fields.items() if value is not None}
    teacher_job = _teacher_job(data.pop("teacher_job", None))
    include_reviewed = bool(data.pop("include_reviewed", False))
    described = {"name": data.pop("name", ""), "note": data.pop("note", "")}
    data["dataset"] = _stripped(data.get("dataset", settings.TOXILAB_DATASET))
    data["teacher"] = jobs.teacher_source(teacher_job) if teacher_job else _teacher(data)
    options = validate(data)
    check_reviewed(options, include_reviewed)
    return Launch(options, teacher_job, include_reviewed, **described)


def distils_from_untrained(launch):
    """Whether `launch` distils a student from a teacher that is not a fine-tuned ToxiLab run (the bundled
    MiniLM, a hub model): its classification head is untrained, as ml's build_student warns in the log,
    only after training. A teacher job's model is a fine-tuned run, whatever its state."""
    method = methods.REGISTRY.get(launch.options.get("method"))
    if launch.teacher_job is not None or method is None or not method.is_student:
        return False
    try:
        return read_run_info(resolve_teacher(launch.options["teacher"])) is None
    except ModelLoadError:
        return False  # a teacher that cannot be found is refused when the job loads it, with its reason


def untrained_warning(launch):
    return (
        f"teacher {launch.options['teacher']!r} is untrained for this task (its classification head is random): "
        "a student distilled from it learns little. Pick a teacher job (a fine-tuned teacher), or tick the box "
        "below to distil from it anyway"
    )


def teacher_jobs():
    """The teacher jobs a new job may learn from, however it is launched: those that succeeded, and
    those still to finish, which it then waits for (it fails or is cancelled with them)."""
    finished = Q(status=TrainingJob.Status.SUCCEEDED) & ~Q(output_dir="")
    return TrainingJob.objects.filter(finished | Q(status__in=TrainingJob.ACTIVE), method="teacher")


def check_reviewed(options, include_reviewed):
    """OptionError unless the reviewed predictions can be added to a job with these options."""
    if not include_reviewed:
        return
    if options.get("extra_train_file"):
        raise OptionError("include_reviewed", "cannot be combined with an extra train file: choose one")
    if not reviewed_dataset.reviewed().exists():
        raise OptionError("include_reviewed", "no prediction has been reviewed yet")


def _teacher_job(job_id):
    if job_id is None:
        return None
    an_id = isinstance(job_id, int) and not isinstance(job_id, bool)
    job = teacher_jobs().filter(pk=job_id).first() if an_id else None
    if job is None:
        raise OptionError("teacher_job", f"job {job_id} is not a teacher job that succeeded or may still succeed")
    return job


def _teacher(data):
    teacher = _stripped(data.get("teacher", settings.TOXILAB_TEACHER))
    if teacher != "":
        return teacher
    method = methods.REGISTRY.get(data.get("method")) if isinstance(data.get("method"), str) else None
    if method is not None and method.uses_teacher:
        raise OptionError("teacher", "choose a teacher: a name, a path or a teacher job")
    return NO_TEACHER  # what ml records for a method that reads none


def _stripped(value):
    return value.strip() if isinstance(value, str) else value
