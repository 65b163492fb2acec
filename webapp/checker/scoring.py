"""Each version's probabilities on one fixed test sample, so that versions are compared on the same comments.

The runs' own metrics.json figures may come from different datasets or test subsets, and at other
thresholds, so the quality gate (webapp/checker/gate.py) never compares those. Instead every version
is scored once on the gate's sample: the test split of TOXILAB_GATE_DATASET (default: the server's TOXILAB_DATASET),
subsampled to TOXILAB_GATE_TEST_COMMENTS comments (stratified, seed 42), by the runtime that serves
it. Its probabilities are stored (SampleScores), keyed by the sample, and figures at any threshold are
computed from them. A version is scored when it is prepared (webapp/checker/prepare.py: the worker at the
end of a job, `register_model --activate`); a promotion that finds it unscored queues the worker's task
(webapp.queue.SCORE_MODEL).
"""

import functools
import logging

from django.conf import settings

from webapp.checker import bias
from webapp.checker.models import SampleScores
from webapp.queue import SCORE_MODEL, send

log = logging.getLogger(__name__)
SEED = 42


class ScoringFailed(Exception):
    """The version or the sample cannot be loaded."""


def sample_key():
    """The gate's sample as text: what a SampleScores row was measured on."""
    return f"{settings.TOXILAB_GATE_DATASET} test n={settings.TOXILAB_GATE_TEST_COMMENTS} seed={SEED}"


def scores_of(version):
    """The version's SampleScores on the current sample, or None when it has not been scored on it."""
    return SampleScores.of(version, sample_key())


def measure(version, serving=None):
    """Score `version` on the sample and on the identity templates (webapp/checker/bias.py), each once:
    an existing row is kept as it is. `serving()` returns the Classifier that serves it
    (webapp/checker/prepare.py builds it from the model it loaded); by default it is loaded from the
    artifact. ScoringFailed when its artifact or the dataset cannot be read."""
    from ml import runtimes  # imports torch
    from ml.errors import ModelLoadError

    loaded = functools.cache(serving or (lambda: runtimes.load(version.artifact_path, version.runtime)))
    try:
        scores = _measure_test(version, loaded)
        bias.measure(version, loaded)
    except (ModelLoadError, OSError, ValueError, RuntimeError) as exc:
        raise ScoringFailed(f"model {version.name!r} cannot be scored on {sample_key()}: {exc}") from exc
    return scores


def sample():
    """The gate's sample: its comments ("text") and their labels ("label"), in the order scores keep."""
    from ml.data import load_splits

    return load_splits(
        settings.TOXILAB_GATE_DATASET, max_eval_samples=settings.TOXILAB_GATE_TEST_COMMENTS, seed=SEED
    ).test


def _measure_test(version, classifier):
    key = sample_key()
    found = SampleScores.of(version, key)
    if found is not None:
        return found
    test = sample()
    scores = SampleScores.keep(version, key, test["label"], classifier().predict_proba(list(test["text"])))
    log.debug("model version %s scored on %s", version.pk, key)
    _save_serving_f1(version, scores)
    return scores


def figures(version, scores=None, threshold=None):
    """Precision, recall and F1 of `version` at `threshold` (default: its own) on the gate's sample,
    and how many comments it calls toxic; None when it has not been scored on the sample."""
    from ml.evaluate import compute_metrics

    scores = scores if scores is not None else scores_of(version)
    if scores is None:
        return None
    threshold = version.threshold if threshold is None else threshold
    metrics = compute_metrics(scores.labels, scores.probabilities, threshold)
    return {
        "version": version.pk,
        "name": version.name,
        "threshold": threshold,
        "n": metrics["n"],
        "precision": metrics["precision"],
        "recall": metrics["recall"],
        "f1": metrics["f1"],
        "predicted_toxic": sum(p >= threshold for p in scores.probabilities),
    }


def set_threshold(version, threshold):
    """Serve `version` at `threshold` from now on (the checker reads it on its next check)."""
    if not 0 <= threshold <= 1:
        raise ValueError(f"the threshold must be between 0 and 1 (got {threshold})")
    version.threshold = threshold
    version.save(update_fields=["threshold"])
    _save_serving_f1(version, scores_of(version))


def _save_serving_f1(version, scores):
    found = figures(version, scores) if scores is not None else None
    version.serving_f1 = found and found["f1"]
    version.save(update_fields=["serving_f1"])


def queue(version):
    """Ask the worker to score `version` (on the training queue, after the job it may be running).
    A broker that cannot be reached is logged, not raised: the caller's answer stands, and asking
    again queues it again."""
    try:
        send(SCORE_MODEL, version.pk)
    except Exception:
        log.exception("could not queue the scoring of model version %s", version.pk)
