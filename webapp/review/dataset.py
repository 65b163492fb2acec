"""Reviewed predictions are a dataset: `write_training_csv` writes them as ml's extra training file."""

import csv
import os
from pathlib import Path

from django.conf import settings

from webapp.checker.models import Prediction


def training_dir():
    """Where jobs' reviewed-predictions files are written: a data root of the worker's own."""
    return Path(settings.TOXILAB_ARTIFACTS_DIR) / "reviewed"


def remove_training_csv(path):
    """Delete a job's reviewed-comments file (a cancelled job's); a path outside training_dir() is left."""
    path = Path(path)
    if path.parent == training_dir():
        path.unlink(missing_ok=True)


def reviewed():
    """Every reviewed prediction, oldest review first."""
    return Prediction.objects.filter(reviewed_at__isnull=False).order_by("reviewed_at", "id")


def write_training_csv(path):
    """Write the reviewed predictions as `text,label` (label 1 = toxic, the reviewer's label) for
    ml's extra_train_file; returns the number of rows. Texts are written as they were checked: ml
    drops those already in the dataset's splits or repeated in the file. The comments are end users':
    the file is readable by the server's user only (0600, in a 0700 folder)."""
    path = Path(path)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.parent.chmod(0o700)  # a folder an older version made 0755
    rows = 0
    private = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with open(private, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["text", "label"])
        kept = reviewed().filter(text_digest="")  # a text that was never stored cannot be trained on
        for text, label in kept.values_list("text", "reviewed_label").iterator(chunk_size=2000):
            writer.writerow([text, int(label == Prediction.Label.TOXIC)])
            rows += 1
    return rows
