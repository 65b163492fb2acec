"""The one figure that leads for a model wherever models are shown or compared, and the words that name
what every figure was measured on.

The gate's F1 leads: the model's serving threshold on the gate's fixed test comments
(webapp/checker/scoring.py), the same comments for every model. A model not scored there yet falls back
to its run's own test split at the tuned threshold, and says so. A run's own figures (metrics.json) are
shown with their sample too: how many test comments, at which threshold.
"""

from dataclasses import dataclass

from django.conf import settings

from ml.names import DEFAULT_THRESHOLD


def gate_sample_size():
    """How many test comments the gate scores each version on."""
    return settings.TOXILAB_GATE_TEST_COMMENTS


def comments(n, whose):
    return f"{whose} {n:,} test comments" if n is not None else f"{whose} test comments"


@dataclass(frozen=True)
class Headline:
    f1: float
    threshold: float
    n: int | None
    gate: bool  # measured on the gate's comments (else on the run's own test split)

    @property
    def where(self):
        """'at 0.470 on the gate's 2,000 test comments'."""
        whose = "the gate's" if self.gate else "the run's"
        return f"at {self.threshold:.3f} on {comments(self.n, whose)}"

    def __str__(self):
        return f"F1 {self.f1:.4f} {self.where}"


def of_version(version):
    """The version's leading figure, or None when it has none to show."""
    if version.serving_f1 is not None:
        return Headline(version.serving_f1, version.threshold, gate_sample_size(), gate=True)
    return of_run(version.metrics) if version.threshold == version.tuned_threshold else None


def of_run(metrics):
    """A run's own figure at its tuned threshold, on its test split (None before it finished)."""
    tuned = metrics.get("test_at_threshold") or {}
    if tuned.get("f1") is None:
        return None
    return Headline(tuned["f1"], metrics.get("threshold", DEFAULT_THRESHOLD), tuned.get("n"), gate=False)


def run_figures(metrics):
    """(name, text) of each test figure in a run's metrics.json, naming its sample and threshold."""
    test = metrics.get("test") or {}
    sample = comments(test.get("n"), "the run's")
    found = []
    if test.get("f1") is not None:
        found.append(("F1 at the default threshold", f"{test['f1']:.4f} at {DEFAULT_THRESHOLD:.3f} on {sample}"))
    if test.get("roc_auc") is not None:
        found.append(("ROC-AUC", f"ROC-AUC {test['roc_auc']:.4f} on {sample} (at every threshold)"))
    tuned = of_run(metrics)
    if tuned is not None:
        found.append(("F1 at the tuned threshold", f"{tuned.f1:.4f} {tuned.where}"))
    return found
