"""A study's results: per method, the mean and standard deviation over seeds of each figure; the
paired-bootstrap comparisons (ml.stats) on the same test comments; and the export (JSON, CSV) that
the API, the page and `make experiment` share."""

import csv
import io
from functools import lru_cache
from statistics import mean, stdev

import numpy as np

from ml import methods as ml_methods
from ml.artifacts import read_predictions
from ml.errors import RunDirError
from ml.names import LABELS
from ml.stats import Paired, paired_bootstrap
from webapp.studies import studies
from webapp.training.models import TrainingJob

# (key, heading, reader of metrics.json, how the page writes it)
FIGURES = [
    ("f1", "test F1", lambda m: (m.get("test") or {}).get("f1"), "{:.4f}"),
    ("roc_auc", "ROC-AUC", lambda m: (m.get("test") or {}).get("roc_auc"), "{:.4f}"),
    ("pr_auc", "PR-AUC", lambda m: (m.get("test") or {}).get("pr_auc"), "{:.4f}"),
    (
        "bias_metric",
        "bias metric",
        lambda m: ((m.get("bias") or {}).get("templates") or {}).get("bias_metric"),
        "{:.4f}",
    ),
    ("size_mb", "size MB", lambda m: m.get("model_size_bytes") and m["model_size_bytes"] / 1e6, "{:.1f}"),
    ("comments_per_s", "comments/s", lambda m: (m.get("latency") or {}).get("comments_per_s_batch32"), "{:,.0f}"),
    ("train_s", "train s", lambda m: m.get("train_seconds"), "{:,.1f}"),
]
COMPARED = {"f1": "test F1", "roc_auc": "ROC-AUC"}  # metrics compared, in points (x 100)
RESAMPLES = 2000


def transformers(names):
    known = ml_methods.transformer_names()
    return [name for name in names if name in known]


def pairs(names):
    """(a, b) to compare, of those in the study: odd - even; each student - teacher; LoRA - teacher;
    each transformer - baseline (a method that is not trained by ml's loop)."""
    students = [n for n in names if n in studies.STUDENTS]
    wanted = [("odd", "even")] + [(s, "teacher") for s in students] + [("lora", "teacher")]
    baselines = [n for n in names if n not in transformers(names)]
    wanted += [(t, b) for b in baselines for t in transformers(names)]
    return [pair for pair in dict.fromkeys(wanted) if pair[0] in names and pair[1] in names]


def export(study):
    """The study as the API answers it, and as its JSON export."""
    cells = studies.runs(study)
    values = study.vary["values"] if study.vary else [None]
    return {
        "id": study.pk,
        "status": studies.status(study, cells),
        "methods": study.methods,
        "seeds": study.seeds,
        "vary": study.vary,
        "options": study.options,
        "created": study.created.isoformat(),
        "cancelled": study.cancelled.isoformat() if study.cancelled else None,
        "progress": studies.progress(cells),
        "sample": sample(cells),
        "jobs": [_job(run) for run in cells],
        "results": [row for value in values for row in _results(study, cells, value)],
        "comparisons": [c for value in values for c in _comparisons(study, cells, value)],
    }


def _job(run):
    job = run.job
    return {
        "id": job.pk,
        "method": run.method,
        "seed": run.seed,
        "value": run.value,
        "status": job.status,
        "teacher_job": job.teacher_job_id,
        "worker": job.worker,
        "progress": job.progress,
        "started": job.started.isoformat() if job.started else None,
        "finished": job.finished.isoformat() if job.finished else None,
        "one_class": one_class(job.metrics),
        **{key: read(job.metrics) for key, _, read, _ in FIGURES},
    }


def one_class(metrics):
    """The class ("non-toxic" or "toxic") a finished run gives every one of its test comments (at 0.5, where
    its test F1 is measured), or None when it predicts both, or has no test figures."""
    matrix = (metrics.get("test") or {}).get("confusion_matrix")
    if not matrix:
        return None
    called_toxic = matrix[0][1] + matrix[1][1]
    total = called_toxic + matrix[0][0] + matrix[1][0]
    return LABELS[0] if called_toxic == 0 else LABELS[1] if called_toxic == total else None


def sample(cells):
    """What the finished runs were trained and tested on: the distinct numbers of training comments,
    test comments and epochs among them (one each in a study whose options all runs share)."""
    done = [run.job for run in cells if run.job.status == TrainingJob.Status.SUCCEEDED]
    data = [job.metrics.get("data") or {} for job in done]

    def distinct(values):
        return sorted({value for value in values if value is not None})

    return {
        "train_comments": distinct((d.get("train") or {}).get("rows") for d in data),
        "test_comments": distinct((d.get("test") or {}).get("rows") for d in data),
        "epochs": distinct((job.config or {}).get("epochs") for job in done),
    }


def _results(study, cells, value):
    rows = []
    for method in study.methods:
        done = [r.job for r in cells if r.method == method and r.value == value and r.job.status == "succeeded"]
        row = {"method": method, "value": value, "seeds": len(done)}
        for key, _, read, _ in FIGURES:
            found = [x for x in (read(job.metrics) for job in done) if x is not None]
            row[key] = {"mean": mean(found) if found else None, "std": stdev(found) if len(found) > 1 else None}
        rows.append(row)
    return rows


def _comparisons(study, cells, value):
    found = []
    for a, b in pairs(study.methods):
        broken = _one_class_jobs(cells, value, a, b)
        for metric, label in COMPARED.items():
            seeds = _paired(cells, value, a, b)
            entry = {"a": a, "b": b, "value": value, "metric": metric, "seeds": len(seeds), "held_back": None}
            if seeds:
                interval = _interval(tuple(seeds), metric)
                points = {k: interval[k] * 100 for k in ("difference", "ci_low", "ci_high") if interval[k] is not None}
                entry.update({**interval, **points})
            else:
                entry.update(difference=None, ci_low=None, ci_high=None, significant=None)
            if broken:  # the figures stay in the export; no verdict is drawn from them
                entry["significant"] = None
                entry["held_back"] = (
                    f"{len(broken)} run{'s' if len(broken) > 1 else ''} predict a single class for every test "
                    f"comment (job{'s' if len(broken) > 1 else ''} {', '.join(map(str, broken))})"
                )
            entry["sentence"] = sentence(a, b, label, entry)
            found.append(entry)
    return found


def _one_class_jobs(cells, value, a, b):
    """Ids of the finished runs of `a` or `b` that predict one class for every test comment."""
    return [
        run.job.pk
        for run in cells
        if run.value == value and run.method in (a, b) and run.job.status == TrainingJob.Status.SUCCEEDED
        and one_class(run.job.metrics)
    ]  # fmt: skip


def _paired(cells, value, a, b):
    """(output dir of a, of b) for each seed where both succeeded."""
    by_seed = {}
    for run in cells:
        if run.value == value and run.method in (a, b) and run.job.status == TrainingJob.Status.SUCCEEDED:
            by_seed.setdefault(run.seed, {})[run.method] = run.job.output_dir
    return [(dirs[a], dirs[b]) for seed, dirs in sorted(by_seed.items()) if len(dirs) == 2]


@lru_cache(maxsize=256)
def _interval(seed_dirs, metric):
    """The bootstrap of finished runs (their files no longer change), once per process."""
    seeds = []
    for dir_a, dir_b in seed_dirs:
        try:
            pa, pb = read_predictions(dir_a), read_predictions(dir_b)
        except RunDirError:
            pa = pb = None
        if not pa or not pb or pa["texts_sha256"] != pb["texts_sha256"]:
            continue  # a run without predictions, or tested on other comments, cannot be paired
        seeds.append(Paired(np.array(pa["labels"]), np.array(pa["probs"]), np.array(pb["probs"])))
    if not seeds:
        return {"difference": None, "ci_low": None, "ci_high": None, "significant": None, "paired_seeds": 0}
    interval = paired_bootstrap(seeds, metric, resamples=RESAMPLES).to_dict()
    return {**interval, "paired_seeds": len(seeds)}


def sentence(a, b, label, entry):
    """ "odd vs even: no significant difference (−0.4, CI −1.9 … +1.1)", in points of the metric."""
    if entry.get("held_back"):
        return f"{a} vs {b} ({label}): verdict held back: {entry['held_back']}"
    if entry["difference"] is None:
        return f"{a} vs {b} ({label}): not compared yet (no seed where both succeeded with test predictions)"
    if entry["significant"]:
        verdict = f"{a if entry['difference'] > 0 else b} is better"
    else:
        verdict = "no significant difference"
    figures = f"{_signed(entry['difference'])}, CI {_signed(entry['ci_low'])} … {_signed(entry['ci_high'])}"
    return f"{a} vs {b} ({label}): {verdict} ({figures})"


def _signed(points):
    return f"{points:+.1f}".replace("-", "\u2212")


def mean_std(figure, fmt):
    """A result's figure as people read it: "0.8456 ± 0.0123" (no ± with one seed, a dash with none)."""
    if figure["mean"] is None:
        return "—"
    text = fmt.format(figure["mean"])
    return text if figure["std"] is None else f"{text} ± {fmt.format(figure['std'])}"


def to_csv(study):
    """One row per job: its cell (method, value, seed), status and figures."""
    data = export(study)
    out = io.StringIO()
    columns = ["study", "method", "value", "seed", "job", "status", "worker", *(key for key, *_ in FIGURES)]
    writer = csv.writer(out)
    writer.writerow(columns)
    for job in data["jobs"]:
        fixed = [study.pk, job["method"], job["value"], job["seed"], job["id"], job["status"], job["worker"]]
        writer.writerow(fixed + [job[key] for key, *_ in FIGURES])
    return out.getvalue()
