"""Metrics of a binary toxic-comment classifier, as plain JSON-serialisable dicts.

The toxic class is 1; a comment is predicted toxic when its probability is >= the threshold.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import numpy.typing as npt
import torch
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    confusion_matrix,
    f1_score,
    precision_recall_curve,
    precision_recall_fscore_support,
    roc_auc_score,
)
from torch.utils.data import DataLoader

from ml.names import DEFAULT_THRESHOLD
from ml.progress import OnBatch

CURVE_POINTS = 101  # thresholds 0, 0.01, ..., 1: a curve small enough to keep in metrics.json


def compute_metrics(labels: npt.ArrayLike, probs: npt.ArrayLike, threshold: float = DEFAULT_THRESHOLD) -> dict:
    """Accuracy, toxic-class precision/recall/F1, macro F1, ROC AUC, PR AUC and the confusion matrix."""
    labels, probs = _as_arrays(labels, probs)
    predicted = (probs >= threshold).astype(np.int64)
    precision, recall, f1, _ = precision_recall_fscore_support(
        labels, predicted, labels=[1], average=None, zero_division=0
    )
    both_classes = len(np.unique(labels)) == 2
    return {
        "n": int(len(labels)),
        "toxic_share": float(labels.mean()),
        "threshold": float(threshold),
        "accuracy": float(accuracy_score(labels, predicted)),
        "precision": float(precision[0]),
        "recall": float(recall[0]),
        "f1": float(f1[0]),
        "macro_f1": float(f1_score(labels, predicted, labels=[0, 1], average="macro", zero_division=0)),
        "roc_auc": float(roc_auc_score(labels, probs)) if both_classes else None,
        "pr_auc": float(average_precision_score(labels, probs)) if both_classes else None,
        "confusion_matrix": confusion_matrix(labels, predicted, labels=[0, 1]).tolist(),
    }


def tune_threshold(labels: npt.ArrayLike, probs: npt.ArrayLike) -> float:
    """The threshold that maximises toxic-class F1; the higher one on ties; 0.5 with one class."""
    labels, probs = _as_arrays(labels, probs)
    if len(np.unique(labels)) < 2:
        return DEFAULT_THRESHOLD
    precision, recall, thresholds = precision_recall_curve(labels, probs)
    precision, recall = precision[:-1], recall[:-1]  # the last point has no threshold
    denominator = precision + recall
    f1 = np.divide(2 * precision * recall, denominator, out=np.zeros_like(denominator), where=denominator > 0)
    best = np.flatnonzero(f1 == f1.max())  # thresholds ascend, so the last best is the highest
    return float(thresholds[best[-1]])


def pr_curve(labels: npt.ArrayLike, probs: npt.ArrayLike, points: int = CURVE_POINTS) -> dict:
    """Toxic-class precision and recall at `points` evenly spaced thresholds from 0 to 1, rounded to 4
    places: {"threshold": [...], "precision": [...], "recall": [...]}. Precision is 1 where nothing is
    predicted toxic (sklearn's convention)."""
    labels, probs = _as_arrays(labels, probs)
    thresholds = np.linspace(0.0, 1.0, points)
    predicted = probs[None, :] >= thresholds[:, None]
    true_positives = (predicted & (labels == 1)[None, :]).sum(axis=1)
    called = predicted.sum(axis=1)
    precision = np.divide(true_positives, called, out=np.ones(points), where=called > 0)
    recall = true_positives / max(int(labels.sum()), 1)
    return {
        "threshold": [round(float(t), 4) for t in thresholds],
        "precision": [round(float(p), 4) for p in precision],
        "recall": [round(float(r), 4) for r in recall],
    }


@torch.no_grad()
def predict_probs(
    model: torch.nn.Module,
    dataloader: DataLoader,
    device: torch.device | str | None = None,
    on_batch: OnBatch | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(labels, toxic-class probabilities) over a dataloader, in its dataset's order; the model's
    train/eval mode is restored.

    `on_batch(rows_done, rows_total)`, when given, is called after every batch (progress of long passes).
    """
    device = device if device is not None else next(model.parameters()).device
    total = len(dataloader.dataset)
    was_training = model.training
    model.eval()
    all_labels, all_probs = [], []
    done = 0
    try:
        for batch in dataloader:
            batch = {key: value.to(device) for key, value in batch.items()}
            all_labels.append(batch.pop("labels").cpu())
            logits = model(**batch).logits
            all_probs.append(torch.softmax(logits.float(), dim=-1)[:, 1].cpu())
            done += len(all_labels[-1])
            if on_batch is not None:
                on_batch(done, total)
    finally:
        model.train(was_training)
    if not all_labels:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
    labels, probs = torch.cat(all_labels).numpy().astype(np.int64), torch.cat(all_probs).numpy().astype(np.float64)
    order = getattr(dataloader.batch_sampler, "order", None)  # batches by length: back to the dataset's order
    if order is not None:
        labels[order], probs[order] = labels.copy(), probs.copy()
    return labels, probs


def evaluate_split(
    model: torch.nn.Module,
    dataloader: DataLoader,
    threshold: float = DEFAULT_THRESHOLD,
    device: torch.device | str | None = None,
    on_batch: OnBatch | None = None,
) -> dict:
    """compute_metrics over a dataloader, plus how long it took in "eval_seconds"."""
    started = time.perf_counter()
    labels, probs = predict_probs(model, dataloader, device=device, on_batch=on_batch)
    metrics = compute_metrics(labels, probs, threshold=threshold)
    metrics["eval_seconds"] = time.perf_counter() - started
    return metrics


def dir_size_bytes(path: str | Path) -> int:
    """Total bytes of the files under a directory (symbolic links not followed); a file's own size."""
    root = Path(path)
    if root.is_file():
        return root.stat().st_size
    if not root.is_dir():
        raise FileNotFoundError(f"no such directory: {path}")
    return sum((Path(folder) / name).lstat().st_size for folder, _, names in os.walk(root) for name in names)


def _as_arrays(labels, probs) -> tuple[np.ndarray, np.ndarray]:
    labels = np.asarray(labels, dtype=np.int64).ravel()
    probs = np.asarray(probs, dtype=np.float64).ravel()
    if len(labels) != len(probs):
        raise ValueError(f"{len(labels)} labels but {len(probs)} probabilities")
    if len(labels) == 0:
        raise ValueError("no labels to evaluate")
    return labels, probs
