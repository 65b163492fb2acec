"""Runs side by side: the study's results table, complete, and the loss curves of each run."""

from webapp.training.models import TrainingJob, TrainingMetric

MAX_RUNS = 8
MAX_POINTS_PER_CURVE = 1000  # enough for a smooth line; a long run keeps every n-th point

# (heading, how to read it from metrics.json, format)
COLUMNS = [
    ("layers", lambda m: _layers(m), "{}"),
    ("params", lambda m: (m.get("parameters") or {}).get("total"), "{:,}"),
    ("trainable", lambda m: (m.get("parameters") or {}).get("trainable"), "{:,}"),
    ("size MB", lambda m: _mb(m.get("model_size_bytes")), "{:.1f}"),
    ("loss", lambda m: (m.get("train_loss") or {}).get("loss"), "{:.4f}"),
    ("loss cls", lambda m: (m.get("train_loss") or {}).get("cls"), "{:.4f}"),
    ("loss div", lambda m: (m.get("train_loss") or {}).get("div"), "{:.4f}"),
    ("loss cos", lambda m: (m.get("train_loss") or {}).get("cos"), "{:.4f}"),
    ("accuracy", lambda m: (m.get("test") or {}).get("accuracy"), "{:.4f}"),
    ("precision", lambda m: (m.get("test") or {}).get("precision"), "{:.4f}"),
    ("recall", lambda m: (m.get("test") or {}).get("recall"), "{:.4f}"),
    ("F1", lambda m: (m.get("test") or {}).get("f1"), "{:.4f}"),
    ("ROC-AUC", lambda m: (m.get("test") or {}).get("roc_auc"), "{:.4f}"),
    ("F1 at tuned threshold", lambda m: (m.get("test_at_threshold") or {}).get("f1"), "{:.4f}"),
    ("ms/comment", lambda m: (m.get("latency") or {}).get("ms_per_comment_batch1"), "{:.1f}"),
    ("comments/s", lambda m: (m.get("latency") or {}).get("comments_per_s_batch32"), "{:,.0f}"),
    ("train s", lambda m: m.get("train_seconds"), "{:,.0f}"),
    ("device", lambda m: m.get("device"), "{}"),
]


def chosen_jobs(ids):
    wanted = [int(i) for i in ids if str(i).isdigit()][:MAX_RUNS]
    found = TrainingJob.objects.select_related("model_version").in_bulk(wanted)
    return [found[i] for i in dict.fromkeys(wanted) if i in found]


def row(job):
    """[(heading, text)] for one run; a dash where the run has no such figure (yet)."""
    return [(heading, _format(read(job.metrics), fmt)) for heading, read, fmt in COLUMNS]


def curves(jobs):
    """{job id: [[step, loss], ...]} of the total loss, thinned to MAX_POINTS_PER_CURVE."""
    result = {}
    for job in jobs:
        rows = list(TrainingMetric.objects.filter(job=job).values_list("step", "loss"))
        every = max(1, -(-len(rows) // MAX_POINTS_PER_CURVE))
        kept = rows[::every]
        if rows and kept[-1] != rows[-1]:
            kept.append(rows[-1])
        result[job.pk] = [list(point) for point in kept]
    return result


def _format(value, fmt):
    return "—" if value is None else fmt.format(value)


def _layers(metrics):
    if metrics.get("layers") is None:
        return None
    layer_map = metrics.get("layer_map")
    return f"{metrics['layers']} ({','.join(map(str, layer_map))})" if layer_map else str(metrics["layers"])


def _mb(size):
    return None if size is None else size / 1e6
