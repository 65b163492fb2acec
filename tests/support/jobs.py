"""Training job rows for the tests that need one to show, as if launched: the launch options that the
test does not care about are placeholders."""

from webapp.training.models import TrainingJob

PLACEHOLDERS = {"method": "teacher", "teacher": "bundled-minilm", "dataset": "owner/name", "config": {}}


def job_row(status: str, **fields) -> TrainingJob:
    """A TrainingJob in `status` with `fields`, the other launch options placeholders."""
    return TrainingJob.objects.create(**{**PLACEHOLDERS, "status": status, **fields})
