"""Runs side by side: the study's results table, complete, and the loss curves of each run."""

from ml.reporting import compare_row
from webapp.training.models import TrainingJob, TrainingMetric

MAX_RUNS = 8
MAX_POINTS_PER_CURVE = 1000  # enough for a smooth line; a long run keeps every n-th point


def chosen_jobs(ids):
    wanted = [int(i) for i in ids if str(i).isdigit()][:MAX_RUNS]
    found = TrainingJob.objects.select_related("model_version").in_bulk(wanted)
    return [found[i] for i in dict.fromkeys(wanted) if i in found]


def row(job):
    """[(heading, text)] for one run; a dash where the run has no such figure (yet)."""
    return compare_row(job.metrics)


def curves(jobs):
    """{job id: {"loss": [[step, value], ...], term: [...]}}: the total loss and each loss term the run
    logged (the keys of its rows' `components`), thinned to MAX_POINTS_PER_CURVE."""
    return {
        job.pk: _series(TrainingMetric.objects.filter(job=job).values_list("step", "loss", "components"))
        for job in jobs
    }


def _series(rows):
    rows = list(rows)
    every = max(1, -(-len(rows) // MAX_POINTS_PER_CURVE))
    kept = rows[::every]
    if rows and kept[-1] != rows[-1]:
        kept.append(rows[-1])
    series = {"loss": [[step, loss] for step, loss, _ in kept]}
    for step, _, components in kept:
        for term, value in components.items():
            series.setdefault(term, []).append([step, value])
    return series
