"""Paired bootstrap confidence intervals for the difference of a metric between two models scored on
the same test comments.

A study repeats each method over seeds; seed s tests every method on the same comments (its own
sample when max_eval_samples is set). The difference is the mean over seeds of metric(a) - metric(b);
each bootstrap draw resamples the comments of every seed with replacement, the same indices for a
and b (paired), and recomputes that mean. The interval is the percentile one. Hand-written in numpy
(scipy.stats.bootstrap does not vectorise a ROC-AUC over thousands of comments x resamples), and
tested against a direct loop over sklearn's metrics.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass

import numpy as np
from scipy.stats import rankdata

THRESHOLD = 0.5  # the threshold of metrics.json's "test" figures
CHUNK = 64  # resamples scored at once: bounds memory at CHUNK x comments


@dataclass(frozen=True)
class Paired:
    """One seed's test comments: their labels and each model's toxic-class probabilities."""

    labels: np.ndarray
    a: np.ndarray
    b: np.ndarray


@dataclass(frozen=True)
class Interval:
    difference: float  # metric(a) - metric(b), mean over seeds, on the comments as they are
    ci_low: float
    ci_high: float
    level: float
    resamples: int  # draws in which the metric was defined (ROC-AUC needs both classes)

    @property
    def significant(self) -> bool:
        return not self.ci_low <= 0.0 <= self.ci_high

    def to_dict(self) -> dict:
        return {**asdict(self), "significant": self.significant}


def f1(labels: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """Toxic-class F1 at THRESHOLD of each row (labels, probs: resamples x comments); 0 with no positives."""
    predicted = probs >= THRESHOLD
    positive = labels == 1
    tp = (predicted & positive).sum(axis=-1)
    denominator = predicted.sum(axis=-1) + positive.sum(axis=-1)
    return np.divide(2.0 * tp, denominator, out=np.zeros(tp.shape), where=denominator > 0)


def roc_auc(labels: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """ROC-AUC of each row by the rank-sum (Mann-Whitney) formula, ties at half; NaN with one class."""
    ranks = rankdata(probs, axis=-1)
    positive = labels == 1
    n_pos = positive.sum(axis=-1).astype(float)
    n_neg = labels.shape[-1] - n_pos
    rank_sum = np.where(positive, ranks, 0.0).sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


METRICS: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {"f1": f1, "roc_auc": roc_auc}


def paired_bootstrap(
    seeds: Sequence[Paired], metric: str = "f1", resamples: int = 2000, level: float = 0.95, seed: int = 0
) -> Interval:
    """The difference metric(a) - metric(b) and its percentile interval; see the module's docstring.

    The draws are rng.integers(0, n, (resamples, n)) per seed in order, from default_rng(seed), so a
    direct computation can repeat them."""
    score = METRICS[metric]
    if not seeds:
        raise ValueError("no predictions to compare")
    rng = np.random.default_rng(seed)
    draws = np.zeros(resamples)
    for pair in seeds:
        if not len(pair.labels) == len(pair.a) == len(pair.b) > 0:
            raise ValueError("each seed needs labels and both models' probabilities for the same comments")
        indices = rng.integers(0, len(pair.labels), size=(resamples, len(pair.labels)))
        for start in range(0, resamples, CHUNK):
            rows = indices[start : start + CHUNK]
            labels = pair.labels[rows]
            draws[start : start + CHUNK] += score(labels, pair.a[rows]) - score(labels, pair.b[rows])
    draws /= len(seeds)
    point = np.mean([score(p.labels, p.a) - score(p.labels, p.b) for p in seeds])
    return _interval(point, draws, level)


def _interval(point, draws: np.ndarray, level: float) -> Interval:
    """`point` with the percentile interval of the `draws` in which the metric was defined."""
    defined = draws[~np.isnan(draws)]
    tail = (1.0 - level) / 2 * 100
    low, high = np.percentile(defined, [tail, 100 - tail]) if len(defined) else (np.nan, np.nan)
    return Interval(float(point), float(low), float(high), level, int(len(defined)))


def bootstrap(
    labels: Sequence[int],
    probs: Sequence[float],
    metric: str = "f1",
    resamples: int = 2000,
    level: float = 0.95,
    seed: int = 0,
) -> Interval:
    """One model's metric on `labels` and its percentile interval over resampled comments (probs may be
    0/1 verdicts: f1 cuts at THRESHOLD). `difference` holds the metric itself (against nothing)."""
    labels_ = np.asarray(labels)
    probs_ = np.asarray(probs, dtype=float)
    if not len(labels_) == len(probs_) > 0:
        raise ValueError("the metric needs a probability for each label, and at least one")
    score = METRICS[metric]
    indices = np.random.default_rng(seed).integers(0, len(labels_), size=(resamples, len(labels_)))
    draws = np.concatenate(
        [score(labels_[rows], probs_[rows]) for rows in np.array_split(indices, max(1, resamples // CHUNK))]
    )
    return _interval(score(labels_, probs_), draws, level)
