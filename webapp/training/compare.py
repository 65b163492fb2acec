"""Runs side by side: the study's results table, complete, and the curves of each run.

The curves compare like with like: the classification loss (cross-entropy, logged by every method as the
`cls` component) and validation F1 per evaluation step are comparable across methods; each method's own
total loss is a different mix of terms (a student's adds KL and cosine to the teacher), so it is its own
series, labelled as such, never the default."""

from ml.names import LOSS_TERM_LABELS as TERMS
from ml.reporting import COMPARE_COLUMNS, compare_row
from webapp.training.models import EvaluationResult, TrainingJob, TrainingMetric
from webapp.training.options import config_rows

MAX_RUNS = 8
MAX_POINTS_PER_CURVE = 1000  # enough for a smooth line; a long run keeps every n-th point
FAILED = (TrainingJob.Status.FAILED, TrainingJob.Status.CANCELLED)

# The series every run can be compared on, first in the picker; "cls" is the default.
COMPARABLE = {
    "cls": "classification loss (cross-entropy), every run",
    "val_f1": "validation F1 per evaluation step",
}
OWN_TOTAL = "each method's own total loss (a different mix per method: not comparable)"
# Columns where a higher value is better; the others that are numbers are better lower.
HIGHER_IS_BETTER = {
    "accuracy",
    "precision",
    "recall",
    "F1",
    "ROC-AUC",
    "F1 at tuned threshold",
    "bias metric",
    "comments/s",
}
LOWER_IS_BETTER = {"params", "size MB", "ms/comment", "train s"}


def chosen_jobs(ids):
    wanted = [int(i) for i in ids if str(i).isdigit()][:MAX_RUNS]
    found = TrainingJob.objects.select_related("model_version").in_bulk(wanted)
    return [found[i] for i in dict.fromkeys(wanted) if i in found]


def split_failed(jobs):
    """(runs to compare, runs that failed or were cancelled): the latter are listed apart, not as dashes."""
    return [job for job in jobs if job.status not in FAILED], [job for job in jobs if job.status in FAILED]


def rows(jobs):
    """[(job, [(heading, text, best)])]: each run's figures, a dash where it has none (yet), and whether
    the figure is the best of its column among these runs."""
    best = best_columns(jobs)
    return [(job, [(h, text, best.get(h) == text) for h, text in compare_row(job.metrics)]) for job in jobs]


def best_columns(jobs):
    """{heading: the best value's text} of each column where better is defined, over runs that have it."""
    best = {}
    for heading, read, fmt in COMPARE_COLUMNS:
        if heading not in HIGHER_IS_BETTER | LOWER_IS_BETTER:
            continue
        values = [value for value in (read(job.metrics or {}) for job in jobs) if value is not None]
        if len(values) > 1:
            pick = max if heading in HIGHER_IS_BETTER else min
            best[heading] = fmt.format(pick(values))
    return best


def series_labels(curves):
    """[(name, label)] of the picker: the comparable series first, then each method's own total loss, then
    any other loss term a run logged (by ml.losses.TERMS order, then by name)."""
    names = {name for series in curves.values() for name in series}
    labels = [(name, label) for name, label in COMPARABLE.items() if name in names or name == "cls"]
    if "loss" in names:
        labels.append(("loss", OWN_TOTAL))
    rest = sorted(names - set(COMPARABLE) - {"loss"}, key=lambda n: (list(TERMS).index(n) if n in TERMS else 99, n))
    return labels + [(name, f"{name} ({TERMS[name]})" if name in TERMS else name) for name in rest]


def curves(jobs):
    """{job id: {"loss": [[step, value], ...], term: [...], "val_f1": [...]}}: the total loss and each loss
    term the run logged (the keys of its rows' `components`), thinned to MAX_POINTS_PER_CURVE, and the F1
    of each validation pass during training."""
    by_job = {
        job.pk: _series(TrainingMetric.objects.filter(job=job).values_list("step", "loss", "components"))
        for job in jobs
    }
    evaluations = EvaluationResult.objects.filter(job__in=jobs, split="validation", final=False)
    for job_id, step, metrics in evaluations.order_by("step").values_list("job_id", "step", "metrics"):
        if metrics.get("f1") is not None:
            by_job[job_id].setdefault("val_f1", []).append([step, metrics["f1"]])
    return by_job


def config_diff(jobs):
    """[(option, [text per run])] of the options whose values differ between the runs, each run showing
    only the options its method reads (config_rows, as on the job page); a dash where it has none."""
    shown = [{name: text for name, text, _ in config_rows(job.config or {})} for job in jobs]
    names = list(dict.fromkeys(name for options in shown for name in options))
    values = {name: [options.get(name, "—") for options in shown] for name in names}
    return [(name, texts) for name, texts in values.items() if len(set(texts)) > 1]


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
