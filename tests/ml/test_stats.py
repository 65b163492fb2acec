"""The paired bootstrap of ml.stats against a direct computation: the same draws scored one by one
with sklearn's metrics, and, for a handful of comments, every possible resample enumerated."""

import itertools

import numpy as np
import pytest
from sklearn.metrics import f1_score, roc_auc_score

from ml.stats import THRESHOLD, Paired, f1, paired_bootstrap, roc_auc


def seed_predictions(rng, n, skill_a, skill_b):
    """Labels and two models' probabilities: each model's score leans to the truth by its skill."""
    labels = (rng.random(n) < 0.3).astype(np.int64)
    noise_a, noise_b = rng.random(n), rng.random(n)
    a = np.clip(skill_a * labels + (1 - skill_a) * noise_a, 0, 1).round(2)  # rounded: ties in the ranks
    b = np.clip(skill_b * labels + (1 - skill_b) * noise_b, 0, 1).round(2)
    return Paired(labels, a, b)


def sk_f1(labels, probs):
    return f1_score(labels, (probs >= THRESHOLD).astype(int), zero_division=0)


def plain_f1(labels, probs):
    """F1 from its definition, for the enumeration (sklearn's checks would dominate its run time)."""
    predicted = [p >= THRESHOLD for p in probs]
    tp = sum(1 for y, p in zip(labels, predicted, strict=True) if y == 1 and p)
    fp, fn = sum(predicted) - tp, sum(labels) - tp
    return 0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn)


def sk_auc(labels, probs):
    return roc_auc_score(labels, probs) if len(set(labels)) == 2 else np.nan


def test_the_vectorised_metrics_equal_sklearns_row_by_row():
    rng = np.random.default_rng(1)
    labels = (rng.random((20, 40)) < 0.4).astype(np.int64)
    probs = rng.random((20, 40)).round(1)
    np.testing.assert_allclose(f1(labels, probs), [sk_f1(y, p) for y, p in zip(labels, probs, strict=True)])
    np.testing.assert_allclose(roc_auc(labels, probs), [sk_auc(y, p) for y, p in zip(labels, probs, strict=True)])


@pytest.mark.parametrize(("metric", "direct"), [("f1", sk_f1), ("roc_auc", sk_auc)])
def test_the_interval_is_the_percentiles_of_the_same_draws_scored_directly(metric, direct):
    rng = np.random.default_rng(7)
    seeds = [seed_predictions(rng, 60, 0.5, 0.3), seed_predictions(rng, 45, 0.5, 0.3)]
    result = paired_bootstrap(seeds, metric, resamples=120, seed=11)

    draws_rng, totals = np.random.default_rng(11), np.zeros(120)
    for pair in seeds:
        indices = draws_rng.integers(0, len(pair.labels), size=(120, len(pair.labels)))
        for i, rows in enumerate(indices):
            totals[i] += direct(pair.labels[rows], pair.a[rows]) - direct(pair.labels[rows], pair.b[rows])
    totals /= len(seeds)
    defined = totals[~np.isnan(totals)]
    point = np.mean([direct(p.labels, p.a) - direct(p.labels, p.b) for p in seeds])

    assert result.difference == pytest.approx(point)
    assert (result.ci_low, result.ci_high) == pytest.approx(tuple(np.percentile(defined, [2.5, 97.5])))
    assert result.resamples == len(defined) and result.level == 0.95


def test_with_few_comments_the_bootstrap_matches_every_resample_enumerated():
    labels, a, b = np.array([1, 0, 1, 0, 1]), np.array([0.9, 0.2, 0.6, 0.7, 0.4]), np.array([0.4, 0.1, 0.8, 0.3, 0.2])
    exact = []
    for rows in itertools.product(range(5), repeat=5):  # all 5^5 equally likely resamples
        rows = list(rows)
        exact.append(plain_f1(labels[rows], a[rows]) - plain_f1(labels[rows], b[rows]))
    result = paired_bootstrap([Paired(labels, a, b)], "f1", resamples=20000, seed=3)

    low, high = np.percentile(exact, [2.5, 97.5])
    assert result.difference == pytest.approx(sk_f1(labels, a) - sk_f1(labels, b))
    assert result.ci_low == pytest.approx(low, abs=0.05) and result.ci_high == pytest.approx(high, abs=0.05)


def test_a_model_against_itself_differs_by_nothing_and_a_much_better_one_significantly():
    rng = np.random.default_rng(5)
    pair = seed_predictions(rng, 400, 0.6, 0.1)
    same = paired_bootstrap([Paired(pair.labels, pair.a, pair.a)], "roc_auc", resamples=200)
    better = paired_bootstrap([pair], "f1", resamples=500)

    assert (same.difference, same.ci_low, same.ci_high, same.significant) == (0.0, 0.0, 0.0, False)
    assert better.difference > 0 and better.ci_low > 0 and better.significant
    assert better.to_dict()["significant"] is True


def test_predictions_of_different_lengths_are_refused():
    with pytest.raises(ValueError, match="same comments"):
        paired_bootstrap([Paired(np.array([1, 0]), np.array([0.1]), np.array([0.2, 0.3]))])
