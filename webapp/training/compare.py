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
# Figures measured on each run's own test comments: first in the table, and ranked only when every run
# was tested on the same comments. The training losses, a different mix per method, come last.
TEST_FIGURES = ("F1", "ROC-AUC", "F1 at tuned threshold", "precision", "recall", "accuracy")
LAST = ("loss", "loss cls", "loss div", "loss cos")
COLUMNS = sorted(
    COMPARE_COLUMNS,
    key=lambda c: (0, TEST_FIGURES.index(c[0])) if c[0] in TEST_FIGURES else (2 if c[0] in LAST else 1, 0),
)


def test_set(job):
    """What a run was tested on: its dataset, the size and toxic count of its test split, and its seed
    (the stratified subsample is seeded), from metrics.json; runs with the same key saw the same comments."""
    data, test = job.metrics.get("data") or {}, job.metrics.get("test") or {}
    split = data.get("test") or {}
    return (data.get("source"), split.get("rows", test.get("n")), split.get("toxic"), (job.config or {}).get("seed"))


def test_sizes(jobs):
    """The distinct test-split sizes of `jobs`, as shown ("2,000"), when they were tested on different
    comments; [] when all were tested on the same ones."""
    if len({test_set(job) for job in jobs}) <= 1:
        return []
    return list(dict.fromkeys(_count(test_set(job)[1]) for job in jobs))


def _count(n):
    return "?" if n is None else f"{n:,}"


def chosen_jobs(ids):
    wanted = [int(i) for i in ids if str(i).isdigit()][:MAX_RUNS]
    found = TrainingJob.objects.select_related("model_version").in_bulk(wanted)
    return [found[i] for i in dict.fromkeys(wanted) if i in found]


def split_failed(jobs):
    """(runs to compare, runs that failed or were cancelled): the latter are listed apart, not as dashes."""
    return [job for job in jobs if job.status not in FAILED], [job for job in jobs if job.status in FAILED]


def rows(jobs):
    """[(job, gate, test comments, [(heading, text, best)])]: each run's leading figure on the gate's
    comments (None if not scored there), how many test comments its own figures come from, its figures in
    COLUMNS order, a dash where it has none (yet), and whether the figure is the best of its column."""
    best = best_columns(jobs)
    gate = {job.pk: job.model_version and job.model_version.headline for job in jobs}
    found = []
    for job in jobs:
        texts = dict(compare_row(job.metrics))
        cells = [(h, texts[h], best.get(h) == texts[h]) for h, _, _ in COLUMNS]
        lead = gate[job.pk] if gate[job.pk] and gate[job.pk].gate else None
        found.append((job, lead, _count(test_set(job)[1]), cells))
    return found


def best_columns(jobs):
    """{heading: the best value's text} of each column where better is defined, over runs that have it;
    the test figures only when every run was tested on the same comments."""
    best = {}
    same_test = not test_sizes(jobs)
    for heading, read, fmt in COMPARE_COLUMNS:
        if heading not in HIGHER_IS_BETTER | LOWER_IS_BETTER or (heading in TEST_FIGURES and not same_test):
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
