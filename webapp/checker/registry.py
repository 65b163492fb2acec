"""Register an artifact directory written by `python -m ml train` as a ModelVersion. The directory is
read through ml.artifacts, whose RunDirError (like any ModelLoadError) becomes an ArtifactError."""

from datetime import UTC
from functools import partial
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from ml.artifacts import read_metrics, read_run_info
from ml.errors import ModelLoadError, one_line
from ml.names import DEFAULT_THRESHOLD, FP32
from webapp.checker.models import ModelVersion


class ArtifactError(Exception):
    """The directory is not a complete, loadable artifact, or is already registered."""


def register(directory, name=None, activate=False, load=None):
    """A ModelVersion for the run directory, serving at the threshold its run tuned on validation.
    `activate` switches to it at once, past the quality gate and without a Promotion row: for tests
    and fixtures; people promote through webapp.checker.gate.promote (register_model --activate).
    `load()` returns the run's model as load_model does (webapp.checker.prepare shares one load
    among registration, runtime choice and scoring); by default it is loaded here."""
    path = Path(directory).resolve()
    try:
        info = (load or partial(load_model, path))().info  # a broken directory is refused now, not on first use
        metrics = read_metrics(path)
    except ModelLoadError as exc:  # RunDirError included
        raise ArtifactError(one_line(exc)) from exc
    name = name or path.name
    created = parse_datetime(info.get("created") or "") or timezone.now()
    with transaction.atomic():
        if ModelVersion.objects.filter(name=name).exists():
            raise ArtifactError(f"a model named {name!r} is already registered (choose another with --name)")
        version = ModelVersion.objects.create(
            name=name,
            method=info["method"],
            teacher=info["teacher"],
            artifact_path=str(path),
            metrics=metrics,
            threshold=metrics.get("threshold", DEFAULT_THRESHOLD),  # tuned on validation
            runtime=info.get("runtime", FP32),  # the baseline's own, or fp32 until chosen
            created=created if timezone.is_aware(created) else timezone.make_aware(created, UTC),
        )
        if activate:
            version.activate()
    return version


def load_model(directory):
    """The run's model as an fp32 Classifier, read from disk. ModelLoadError (RunDirError when the
    directory is not a finished run) with the reason in one line."""
    import ml  # ml.load imports torch when it runs

    path = Path(directory).resolve()
    read_run_info(path, required=True)  # a plain checkpoint is refused before loading anything
    try:
        return ml.load(path)
    except ModelLoadError as exc:
        raise ModelLoadError(f"{path} cannot be loaded: {one_line(exc)}") from exc
