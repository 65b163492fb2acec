"""Human-facing output: terminal progress while training, and the Markdown comparison of runs."""

from __future__ import annotations

import json
from pathlib import Path

from ml.errors import ModelLoadError
from ml.progress import Progress


class ProgressPrinter:
    """An on_progress callback: a tqdm bar on a terminal, plain lines otherwise."""

    def __init__(self, stream):
        self.stream = stream
        self.bar = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.close()

    def __call__(self, p: Progress) -> None:
        if p.kind == "eval":
            m = p.metrics
            self._write(f"eval {p.split} step {p.step}: f1 {m['f1']:.4f} accuracy {m['accuracy']:.4f} "
                        f"roc_auc {_fmt(m.get('roc_auc'))}")
        elif self.stream.isatty():
            self._bar(p)
        else:
            parts = " ".join(f"{k} {v:.4f}" for k, v in p.components.items())
            self._write(f"step {p.step}/{p.total_steps} epoch {p.epoch:.2f} loss {p.loss:.4f} ({parts}) "
                        f"lr {p.lr:.2e} {p.samples_per_s or 0:.1f} samples/s eta {p.eta_s:.0f}s")

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


COLUMNS = ["run", "method", "layers", "params", "trainable", "size MB", "loss cls", "loss div", "loss cos",
           "accuracy", "precision", "recall", "F1", "ROC-AUC", "ms/comment", "comments/s"]


def compare_table(runs: list[Path]) -> str:
    """The study's results table, complete: one row per run directory."""
    rows = [_row(run) for run in runs]
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _row(run: Path) -> list[str]:
    try:
        metrics = json.loads((run / "metrics.json").read_text())
    except (OSError, ValueError) as exc:
        raise ModelLoadError(f"{run}: not a finished run (metrics.json: {exc})") from exc
    test = metrics.get("test") or {}
    loss = metrics.get("train_loss") or {}
    params = metrics.get("parameters") or {}
    latency = metrics.get("latency") or {}
    layers = str(metrics.get("layers"))
    if metrics.get("layer_map"):
        layers += f" ({','.join(map(str, metrics['layer_map']))})"
    return [run.name, metrics.get("method", "?"), layers, _int(params.get("total")), _int(params.get("trainable")),
            _fmt((metrics.get("model_size_bytes") or 0) / 1e6, 1), _fmt(loss.get("cls")), _fmt(loss.get("div")),
            _fmt(loss.get("cos")), _fmt(test.get("accuracy")), _fmt(test.get("precision")),
            _fmt(test.get("recall")), _fmt(test.get("f1")), _fmt(test.get("roc_auc")),
            _fmt(latency.get("ms_per_comment_batch1"), 1), _fmt(latency.get("comments_per_s_batch32"), 0)]


def _fmt(value, digits: int = 4) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _int(value) -> str:
    return "—" if value is None else f"{value:,}"
