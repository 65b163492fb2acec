"""Run directories: the one module that writes and reads them.

A run directory holds run.json (the TrainConfig it was trained with), metrics.json (the results),
history.jsonl (the logged steps) and the model files. It is written under a temporary name and
renamed at the end, never half-written. Reading follows one policy: an optional file that is absent
reads as None (or {}); a required one that is absent, or any file that is unreadable or not a JSON
object, raises RunDirError with a one-line message naming the file.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from ml.errors import ConfigError, RunDirError

if TYPE_CHECKING:
    from ml.config import TrainConfig

MODEL_FILES = ("model.safetensors", "pytorch_model.bin")
RUN_FILE, METRICS_FILE, HISTORY_FILE = "run.json", "metrics.json", "history.jsonl"
# The test split's labels and toxic-class probabilities, in the split's order, and a digest of its
# texts: runs with the same digest were tested on the same comments, which a paired bootstrap needs.
PREDICTIONS_FILE = "test_predictions.json"


def check_output_free(output: Path) -> None:
    if output.exists() and (not output.is_dir() or any(output.iterdir())):
        raise ConfigError("output", f"{output} already exists and is not empty; choose another directory")


def run_output(cfg: TrainConfig) -> Path:
    """Where a run writes: cfg.output, else runs/METHOD-TIMESTAMP; refused if it already holds files."""
    output = Path(cfg.output or f"runs/{cfg.method}-{datetime.now():%Y%m%d-%H%M%S}")
    check_output_free(output)
    return output


def write_run_files(
    tmp: Path, output: Path, cfg: TrainConfig, metrics: dict, history: list[dict], predictions: tuple | None
) -> None:
    """A run's files beside its model: run.json (its config), metrics.json, history.jsonl and, when there
    are test predictions (texts, labels, probabilities), test_predictions.json."""
    write_json(tmp / RUN_FILE, {**cfg.to_dict(), "output": str(output)})
    write_json(tmp / METRICS_FILE, metrics)
    write_history(tmp / HISTORY_FILE, history)
    if predictions is not None:
        write_predictions(tmp / PREDICTIONS_FILE, *predictions)


@contextmanager
def atomic_dir(final: Path) -> Iterator[Path]:
    """Yield a temporary sibling of `final`; rename it to `final` only if the block succeeds."""
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    check_output_free(final)
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.", suffix=".partial", dir=final.parent))
    try:
        yield tmp
        if final.exists():
            final.rmdir()  # empty, checked above
        os.rename(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def write_json(path: Path, data: object) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")


def write_history(path: Path, history: list[dict]) -> None:
    with path.open("w") as out:
        for row in history:
            out.write(json.dumps(row) + "\n")


def write_predictions(path: Path, texts: list[str], labels: npt.ArrayLike, probs: npt.ArrayLike) -> None:
    """The test predictions, compactly: probabilities as float32 (what the model computed them in,
    so nothing is lost), about 12 bytes a comment."""
    digest = hashlib.sha256("\0".join(texts).encode()).hexdigest()
    rounded = [float(f"{p:.9g}") for p in np.asarray(probs, dtype=np.float32)]  # 9 digits: float32 exactly
    path.write_text(
        json.dumps({"texts_sha256": digest, "labels": [int(y) for y in np.asarray(labels)], "probs": rounded})
    )


def read_predictions(run_dir: str | Path) -> dict | None:
    """{"texts_sha256", "labels", "probs"} of a run's test split; None for a run that has no such file."""
    data = _read_object(Path(run_dir) / PREDICTIONS_FILE, required=False)
    if data is not None and len(data.get("labels") or ()) != len(data.get("probs") or ()):
        raise RunDirError(f"{Path(run_dir) / PREDICTIONS_FILE}: unreadable (labels and probs differ in length)")
    return data


def read_run_info(run_dir: str | Path, required: bool = False) -> dict | None:
    """run.json of a ToxiLab run directory; None for a plain checkpoint (unless `required`)."""
    return _read_object(Path(run_dir) / RUN_FILE, required)


def read_servable(path: Path) -> tuple[dict, dict]:
    """(run.json or {}, metrics.json or {}) of a run directory a model can be loaded from; RunDirError for
    a path that is no directory or a run that was cancelled (it has no model)."""
    if not path.is_dir():
        raise RunDirError(f"no such model directory: {path}")
    metrics = read_metrics(path)
    if metrics.get("status") == "cancelled":
        raise RunDirError(f"{path}: this run was cancelled and has no model")
    return read_run_info(path) or {}, metrics


def describe_run(path: Path, run: dict, metrics: dict, **facts: object) -> dict:
    """A loaded model's Classifier.info: the run's identity and scores, then `facts` of the loaded model
    (layers, parameters, adapter, quantized, runtime) over the defaults drawn from run.json and metrics.json."""
    return {
        "path": str(path),
        "name": path.name,
        "method": run.get("method"),
        "teacher": run.get("teacher"),
        "layers": None,
        "layer_map": metrics.get("layer_map"),
        "parameters": (metrics.get("parameters") or {}).get("total") or 0,
        "created": metrics.get("finished_at"),
        "test_f1": (metrics.get("test") or {}).get("f1"),
        "adapter": False,
        "quantized": False,
        **facts,
    }


def read_metrics(run_dir: str | Path, required: bool = False) -> dict:
    """metrics.json of a run directory; {} while it has none (unless `required`: a finished run)."""
    return _read_object(Path(run_dir) / METRICS_FILE, required) or {}


def read_history(run_dir: str | Path) -> list[dict]:
    """The logged steps of history.jsonl, oldest first."""
    file = Path(run_dir) / HISTORY_FILE
    try:
        return [json.loads(line) for line in file.read_text().splitlines() if line.strip()]
    except (OSError, ValueError) as exc:
        raise RunDirError(f"{file}: unreadable ({exc})") from exc


def _read_object(file: Path, required: bool) -> dict | None:
    try:
        data = json.loads(file.read_text())
    except FileNotFoundError:
        if required:
            raise RunDirError(f"{file.parent} is not a finished run: {file.name} is missing") from None
        return None
    except (OSError, ValueError) as exc:
        raise RunDirError(f"{file}: unreadable ({exc})") from exc
    if not isinstance(data, dict):
        raise RunDirError(f"{file}: unreadable (not a JSON object)")
    return data


def has_model(path: Path) -> bool:
    return any((Path(path) / name).is_file() for name in MODEL_FILES)
