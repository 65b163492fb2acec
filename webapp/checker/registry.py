"""Register an artifact directory written by `python -m ml train` as a ModelVersion."""

import json
from datetime import UTC
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from webapp.checker.models import ModelVersion


class ArtifactError(Exception):
    """The directory is not a complete, loadable artifact, or is already registered."""


def register(directory, name=None, activate=False):
    path = Path(directory).resolve()
    if not (path / "run.json").is_file():
        raise ArtifactError(f"{path} is not a trained artifact: run.json is missing")
    info = _load_info(path)
    name = name or path.name
    metrics = _read_json(path / "metrics.json") if (path / "metrics.json").is_file() else {}
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
            created=created if timezone.is_aware(created) else timezone.make_aware(created, UTC),
        )
        if activate:
            version.activate()
    return version


def _load_info(path):
    """Load the model once, so that a broken directory is refused now rather than on first use."""
    from ml.errors import ModelLoadError
    from ml.inference import Classifier  # imports torch

    try:
        return Classifier.load(path).info
    except ModelLoadError as exc:
        raise ArtifactError(f"{path} cannot be loaded: {exc}") from exc


def _read_json(file):
    try:
        return json.loads(file.read_text())
    except ValueError as exc:
        raise ArtifactError(f"{file} is not valid JSON: {exc}") from exc
