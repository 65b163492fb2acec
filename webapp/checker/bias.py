"""Each version's identity-bias figures (ml/bias.py) on one fixed sample of the identity templates.

Like the gate's test sample (webapp/checker/scoring.py), the templates are scored once per version by
the runtime that serves it (TOXILAB_BIAS_SENTENCES of them, by default the sample every run's own
report uses) and the probabilities kept (a SampleScores row under bias_key()), so that
versions compare on the same sentences and the figures follow the serving threshold when it changes.
A server without the template set (TOXILAB_IDENTITY_TEMPLATES) scores nothing: the page and the API say
so, and the gate cannot use the bias rule.
"""

import functools
import logging

from django.conf import settings

from webapp.checker.models import SampleScores

log = logging.getLogger(__name__)


def bias_key():
    from ml import bias

    return f"identity templates n={settings.TOXILAB_BIAS_SENTENCES} seed={bias.SAMPLE_SEED}"


@functools.cache
def _sample(key, size):
    from ml import bias

    return bias.load_templates(size=size)


def sample():
    """The template sample, or None when this server has no template set (logged once per key)."""
    from ml.errors import DataError

    try:
        return _sample(bias_key(), settings.TOXILAB_BIAS_SENTENCES)
    except DataError as exc:
        log.warning("no identity-bias figures: %s", exc)
        return None


def scores_of(version):
    return SampleScores.of(version, bias_key())


def measure(version, classifier):
    """Score `version` on the template sample (once); None without a template set."""
    found = scores_of(version)
    if found is not None:
        return found
    templates = sample()
    if templates is None:
        return None
    return SampleScores.keep(version, bias_key(), templates.labels, classifier().predict_proba(templates.texts))


def report(version, scores=None, threshold=None):
    """The templates' report (ml.bias.template_report) at `threshold` (default: the version's serving
    one), from its kept scores; else the one its run wrote at training (metrics.json); else None."""

    scores = scores if scores is not None else scores_of(version)
    templates = sample() if scores is not None else None
    if templates is None or len(templates.texts) != len(scores.probabilities):
        return ((version.metrics or {}).get("bias") or {}).get("templates")
    return _report(tuple(scores.probabilities), version.threshold if threshold is None else threshold)


@functools.lru_cache(maxsize=64)
def _report(probabilities, threshold):
    """Kept per process: 150 ROC-AUCs take seconds on a busy machine, and the gate, the page and the
    API ask for the same versions' reports again and again (a version's scores never change)."""
    from ml import bias

    return bias.template_report(sample(), probabilities, threshold)


def summary(found):
    """The figures people compare from a report: bias metric, worst BPSN AUC, worst false positive rate."""
    from ml import bias

    return bias.headline({"templates": found}) if found else None


def figures(version):
    """What the API and the model page show: the templates' report at the serving threshold, its
    summary, and the run's own report on its test split's comments; None when nothing was measured."""
    found = report(version)
    if not found:
        return None
    comments = ((version.metrics or {}).get("bias") or {}).get("comments")
    return {
        "on": found["on"],
        "threshold": found["threshold"],
        "summary": summary(found),
        "terms": found["terms"],
        "comments": comments,
    }
