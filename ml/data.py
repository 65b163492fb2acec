"""The train/validation/test splits of a run: loaded from a source (ml.sources), subsampled (stratified,
seeded), a single file split 80/10/10, and reviewed rows added to the training split.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import datasets
import numpy as np
import pandas as pd

from ml import bias
from ml.errors import ConfigError, DataError
from ml.sources import SPLITS, read_file, read_source

if TYPE_CHECKING:
    from ml.config import TrainConfig

log = logging.getLogger(__name__)
FEATURES = datasets.Features({"text": datasets.Value("string"), "label": datasets.Value("int64")})


@dataclass
class DataSplits:
    train: datasets.Dataset
    validation: datasets.Dataset
    test: datasets.Dataset
    source: str
    extra_train_rows: int = 0

    def summary(self) -> dict:
        result: dict[str, object] = {name: _split_summary(getattr(self, name)) for name in SPLITS}
        result.update(source=self.source, extra_train_rows=self.extra_train_rows)
        return result


def load_splits(
    source: str,
    *,
    text_column: str = "comment_text",
    label_column: str = "label",
    max_train_samples: int | None = None,
    max_eval_samples: int | None = None,
    seed: int = 42,
    extra_train_file: str | None = None,
    identity_balance: bool = False,
) -> DataSplits:
    """Load and validate the three splits; subsample (stratified, seeded); append extra train rows."""
    _check_limit("max_train_samples", max_train_samples)
    _check_limit("max_eval_samples", max_eval_samples)
    frames = read_source(source, text_column, label_column, seed)
    splits = {name: _to_dataset(frame) for name, frame in frames.items()}
    limits = {"train": max_train_samples, "validation": max_eval_samples, "test": max_eval_samples}
    for name, limit in limits.items():
        if limit is not None:
            splits[name] = stratified_sample(splits[name], limit, seed)
    extra_rows = 0
    if extra_train_file is not None:
        extra = _new_extra_rows(extra_train_file, list(frames.values()))
        splits["train"] = datasets.concatenate_datasets([splits["train"], _to_dataset(extra)])
        extra_rows = len(extra)
    if identity_balance:
        again = _balance(splits["train"], seed)
        splits["train"] = datasets.concatenate_datasets([splits["train"], splits["train"].select(again)])
        extra_rows += len(again)
    return DataSplits(**splits, source=source, extra_train_rows=extra_rows)


def _balance(train: datasets.Dataset, seed: int) -> list[int]:
    """bias.balance_rows of the training split; none, with a warning, where the identity terms cannot be read
    (a server without the template set still trains)."""
    try:
        terms = bias.read_terms(bias.templates_dir())
    except DataError as exc:
        log.warning("identity_balance: nothing added (%s)", exc)
        return []
    return bias.balance_rows(train["text"], train["label"], terms, seed)


def load_run_splits(cfg: TrainConfig) -> DataSplits:
    """load_splits as a run's config asks: its dataset, columns, sample caps, seed and extra rows."""
    return load_splits(
        cfg.dataset,
        text_column=cfg.text_column,
        label_column=cfg.label_column,
        max_train_samples=cfg.max_train_samples,
        max_eval_samples=cfg.max_eval_samples,
        seed=cfg.seed,
        extra_train_file=cfg.extra_train_file,
        identity_balance=cfg.identity_balance,
    )


def stratified_sample(ds: datasets.Dataset, n: int, seed: int) -> datasets.Dataset:
    """n rows keeping class proportions, at least one of each class when n allows; seeded."""
    if n >= len(ds):
        return ds
    if n < 1:
        raise ConfigError("n", "must be a positive integer")
    labels = np.asarray(ds["label"])
    classes, counts = np.unique(labels, return_counts=True)
    rng = np.random.default_rng(seed)
    chosen = [
        rng.choice(np.flatnonzero(labels == cls), size=quota, replace=False)
        for cls, quota in zip(classes, _quotas(counts, n), strict=True)
    ]
    return ds.select(np.sort(np.concatenate(chosen)))


def _new_extra_rows(extra_train_file: str, frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Rows of the extra file whose normalised text is new to every split and to the file itself."""
    path = Path(os.path.expanduser(extra_train_file))
    if not path.is_file():
        raise DataError(f"no such file or directory: {extra_train_file}")
    extra = read_file(path, "text", "label")
    seen = pd.concat([_normalise(frame["text"]) for frame in frames], ignore_index=True)
    keys = _normalise(extra["text"])
    return extra[~keys.isin(seen) & ~keys.duplicated()].reset_index(drop=True)


def _normalise(text: pd.Series) -> pd.Series:
    return text.str.lower().str.replace(r"\s+", " ", regex=True).str.strip()


def _to_dataset(frame: pd.DataFrame) -> datasets.Dataset:
    return datasets.Dataset.from_pandas(frame[["text", "label"]], features=FEATURES, preserve_index=False)


def _quotas(counts: np.ndarray, n: int) -> np.ndarray:
    """Rows to take per class: proportional (largest remainder), at least one each when n allows."""
    exact = n * counts / counts.sum()
    quotas = np.floor(exact).astype(int)
    quotas[np.argsort(quotas - exact)[: n - quotas.sum()]] += 1
    if n >= len(counts):
        for empty in np.flatnonzero(quotas == 0):
            quotas[np.argmax(quotas)] -= 1
            quotas[empty] = 1
    return quotas


def _split_summary(ds: datasets.Dataset) -> dict:
    rows = len(ds)
    toxic = int(np.asarray(ds["label"]).sum()) if rows else 0
    return {"rows": rows, "toxic": toxic, "toxic_share": toxic / rows if rows else 0.0}


def _check_limit(name: str, value: int | None) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise ConfigError(name, "must be a positive integer")
