"""Human-facing output: terminal progress while training, and the Markdown comparison of runs."""

from __future__ import annotations

from pathlib import Path

from ml.artifacts import read_metrics, read_predictions
from ml.progress import Progress


class ProgressPrinter:
    """An on_progress callback: a tqdm bar on a terminal, plain lines otherwise."""

    def __init__(self, stream):
        self.stream = stream
        self.bar = None
        self.passes = {}  # (split, step) -> RowProgress of an evaluation pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for rows in self.passes.values():
            rows.close()
        if self.bar is not None:
            self.bar.close()

    def __call__(self, p: Progress) -> None:
        if p.kind == "evaluating":
            from ml.terminal import RowProgress

            key = (p.split, p.step)
            if key not in self.passes or self.passes[key].finished:  # a new pass (the final one after the last)
                self.passes[key] = RowProgress(f"evaluating {p.split} (step {p.step})", self.stream)
            self.passes[key](p.metrics["done"], p.metrics["total"])
        elif p.kind == "eval":
            m = p.metrics
            self._write(
                f"eval {p.split} step {p.step}: f1 {m['f1']:.4f} accuracy {m['accuracy']:.4f} "
                f"roc_auc {_number(m.get('roc_auc'))}"
            )
        elif self.stream.isatty():
            self._bar(p)
        else:
            parts = " ".join(f"{k} {v:.4f}" for k, v in p.components.items())
            lr = "" if p.lr is None else f"lr {p.lr:.2e} "  # the baseline's lbfgs has none
            self._write(
                f"step {p.step}/{p.total_steps} epoch {p.epoch:.2f} loss {p.loss:.4f} ({parts}) "
                f"{lr}{p.samples_per_s or 0:.1f} samples/s eta {p.eta_s:.0f}s"
            )

    def _bar(self, p: Progress) -> None:
        from tqdm import tqdm

        if self.bar is None:
            self.bar = tqdm(total=p.total_steps, file=self.stream, unit="step")
        self.bar.update(p.step - self.bar.n)
        self.bar.set_postfix(loss=f"{p.loss:.4f}", **{k: f"{v:.3f}" for k, v in p.components.items()})

    def _write(self, line: str) -> None:
        if self.bar is not None:
            self.bar.write(line, file=self.stream)
        else:
            print(line, file=self.stream, flush=True)


def _number(value, digits: int = 4) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _get(*path):
    """A reader of metrics.json: the value at `path`, or None where the run has no such figure."""

    def read(metrics):
        for key in path:
            metrics = (metrics or {}).get(key)
        return metrics

    return read


def _layers(metrics: dict) -> str | None:
    if metrics.get("layers") is None:
        return None
    layer_map = metrics.get("layer_map")
    return f"{metrics['layers']} ({','.join(map(str, layer_map))})" if layer_map else str(metrics["layers"])


def _mb(size) -> float | None:
    return None if size is None else size / 1e6


# The study's results table, complete: (heading, reader of metrics.json, format). One list serves the
# CLI's Markdown table and the dashboard's compare page.
COMPARE_COLUMNS = [
    ("layers", _layers, "{}"),
    ("params", _get("parameters", "total"), "{:,}"),
    ("trainable", _get("parameters", "trainable"), "{:,}"),
    ("size MB", lambda m: _mb(m.get("model_size_bytes")), "{:.1f}"),
    ("loss", _get("train_loss", "loss"), "{:.4f}"),
    ("loss cls", _get("train_loss", "cls"), "{:.4f}"),
    ("loss div", _get("train_loss", "div"), "{:.4f}"),
    ("loss cos", _get("train_loss", "cos"), "{:.4f}"),
    ("accuracy", _get("test", "accuracy"), "{:.4f}"),
    ("precision", _get("test", "precision"), "{:.4f}"),
    ("recall", _get("test", "recall"), "{:.4f}"),
    ("F1", _get("test", "f1"), "{:.4f}"),
    ("ROC-AUC", _get("test", "roc_auc"), "{:.4f}"),
    ("F1 at tuned threshold", _get("test_at_threshold", "f1"), "{:.4f}"),
    ("bias metric", _get("bias", "templates", "bias_metric"), "{:.4f}"),  # ml/bias.py, identity templates
    ("ms/comment", _get("latency", "ms_per_comment_batch1"), "{:.1f}"),
    ("comments/s", _get("latency", "comments_per_s_batch32"), "{:,.0f}"),
    ("train s", _get("train_seconds"), "{:,.0f}"),
    ("device", _get("device"), "{}"),
]


def compare_row(metrics: dict) -> list[tuple[str, str]]:
    """[(heading, text)] of one run's metrics.json; a dash where the run has no such figure (yet)."""
    row = []
    for heading, read, fmt in COMPARE_COLUMNS:
        value = read(metrics or {})
        row.append((heading, "—" if value is None else fmt.format(value)))
    return row


def compare_table(runs: list[Path]) -> str:
    """A Markdown table with one row per run directory."""
    headings = ["run", "method", *(heading for heading, _, _ in COMPARE_COLUMNS)]
    lines = ["| " + " | ".join(headings) + " |", "|" + "---|" * len(headings)]
    for run in runs:
        metrics = read_metrics(run, required=True)
        cells = [run.name, metrics.get("method", "?"), *(text for _, text in compare_row(metrics))]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def paired_lines(runs: list[Path], resamples: int = 2000) -> list[str]:
    """For each run after the first, its test F1 and ROC-AUC minus the first run's on the same test
    comments, with 95% paired-bootstrap intervals (ml.stats), in points; a line saying why where a run
    cannot be paired (no predictions.json, or other comments)."""
    import numpy as np

    from ml.stats import Paired, paired_bootstrap

    base = read_predictions(runs[0])
    lines = []
    for run in runs[1:]:
        mine = read_predictions(run)
        if not base or not mine or mine["texts_sha256"] != base["texts_sha256"]:
            lines.append(f"{run.name} - {runs[0].name}: not tested on the same comments, so not paired")
            continue
        pair = Paired(np.asarray(base["labels"]), np.asarray(mine["probs"]), np.asarray(base["probs"]))
        figures = []
        for metric, label in (("f1", "F1"), ("roc_auc", "ROC-AUC")):
            found = paired_bootstrap([pair], metric, resamples=resamples)
            figures.append(
                f"{label} {found.difference * 100:+.2f} points (95% CI {found.ci_low * 100:+.2f} to "
                f"{found.ci_high * 100:+.2f}{'' if found.significant else ', not significant'})"
            )
        lines.append(f"{run.name} - {runs[0].name} on {len(pair.labels):,} test comments: {'; '.join(figures)}")
    return lines
