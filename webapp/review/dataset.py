"""Reviewed predictions are a dataset: `write_training_csv` writes them as ml's extra training file."""

import csv
from pathlib import Path

from django.conf import settings

from webapp.checker.models import Prediction


def training_dir():
    """Where jobs' reviewed-predictions files are written: a data root of the worker's own."""
    return Path(settings.TOXILAB_ARTIFACTS_DIR) / "reviewed"


def reviewed():
    """Every reviewed prediction, oldest review first."""
    return Prediction.objects.filter(reviewed_at__isnull=False).order_by("reviewed_at", "id")


def write_training_csv(path):
    """Write the reviewed predictions as `text,label` (label 1 = toxic, the reviewer's label) for
    ml's extra_train_file; returns the number of rows. Texts are written as they were checked: ml
    drops those already in the dataset's splits or repeated in the file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = 0
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["text", "label"])
        for text, label in reviewed().values_list("text", "reviewed_label").iterator(chunk_size=2000):
            writer.writerow([text, int(label == Prediction.Label.TOXIC)])
            rows += 1
    return rows
