"""What the monitoring page and API show of one model version's live checks (issue 25), aggregated by
the database (one GROUP BY per series, never a loop over rows).

- Per day over the window, and per hour over the last 48 hours: checks, the share called toxic (the
  label each check was given), the share within UNCERTAIN_BAND of the version's serving threshold (its
  threshold now), flags per thousand checks, reviewed and corrected checks.
- Score drift: the window's served probabilities against the same version's on the gate's test sample
  (SampleScores), over BINS equal bins, as a population stability index. PSI rather than
  Jensen-Shannon: its rule of thumb (under 0.1 stable, 0.1 to 0.25 moving, over 0.25 shifted) is the
  one model owners already read, so the alert's default has a known meaning. Under MIN_CHECKS checks
  it is not computed ("not enough checks yet").
- Input drift: the mean length in characters of the window's latest LENGTH_SAMPLE comments against the
  gate sample's; in its latest TEXT_SAMPLE comments, the share of words that the model's vocabulary
  does not hold whole (ml/vocabulary.py: words split into pieces or unknown), and a domain classifier
  telling them from the gate sample's comments (ml/drift.py).
- Accuracy where it is known: the verdicts against the reviewers' labels, with a bootstrap interval;
  the review queue favours flagged and uncertain verdicts, so this is not a random sample.
"""

import functools
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from django.conf import settings
from django.db.models import Avg
from django.db.models.functions import Length, Trunc
from django.utils import timezone

from webapp.checker import scoring
from webapp.checker.models import HAS_TEXT, ModelVersion, Prediction, Promotion
from webapp.monitoring import rollups
from webapp.monitoring.models import TextDrift
from webapp.monitoring.rollups import BINS, counts

MIN_CHECKS = 200  # below this many checks in the window, no drift figure and no share alert
HOURS = 48
SMOOTHING = 0.5  # added to every bin's count before the shares of the PSI (an empty bin has no logarithm)
TOXIC = Prediction.Label.TOXIC


@dataclass(frozen=True)
class Window:
    version: ModelVersion
    days: int
    start: datetime
    end: datetime

    @classmethod
    def last(cls, version, days, now=None):
        """The `days` whole days up to `now` (today included), in the server's time zone."""
        now = now or timezone.now()
        today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
        return cls(version, days, today - timedelta(days=days - 1), now)

    def checks(self, start=None):
        return Prediction.objects.filter(
            model_version=self.version, created__gte=start or self.start, created__lt=self.end
        )

    def previous(self):
        """The window of the same length just before this one."""
        length = timedelta(days=self.days)
        return Window(self.version, self.days, self.start - length, self.start)


def chosen(model, days):
    """(version, days) from the query's `model` (an id; default the active version, else the newest)
    and `days`; ValueError with the reason when either is not one."""
    try:
        days = int(days) if days not in (None, "") else settings.TOXILAB_MONITOR_DAYS
    except ValueError:
        raise ValueError(f"days must be a whole number (got {days!r})") from None
    if not 1 <= days <= 366:
        raise ValueError(f"days must be between 1 and 366 (got {days})")
    if model in (None, ""):
        version = ModelVersion.current() or ModelVersion.objects.order_by("-created", "-id").first()
    else:
        try:
            version = ModelVersion.objects.filter(pk=int(model)).first()
        except ValueError:
            raise ValueError(f"model must be a version's id (got {model!r})") from None
        if version is None:
            raise LookupError(f"no model version with id {model}")
    return version, days


def with_rates(row):
    """A row of counts() (a histogram under "bins" is left out) with its shares: toxic and uncertain (0
    to 1), flags per thousand checks."""
    row, checks = {name: value for name, value in row.items() if name != "bins"}, row["checks"]
    return {
        **row,
        "toxic_share": row["toxic"] / checks if checks else None,
        "uncertain_share": row["uncertain"] / checks if checks else None,
        "flags_per_1000": 1000 * row["flags"] / checks if checks else None,
    }


def series(found, start, last, step):
    """One row per `step` from `start` to `last`, with the counts `found` holds for it ({moment: counts}),
    empty ones as zeros."""
    out, at = [], start
    while at <= last:
        out.append({"at": at.isoformat(), **with_rates(found.get(at, rollups.empty()))})
        at += step
    return out


def hourly(window):
    """The rows of the last HOURS hours, counted from the checks."""
    start, last = _hour(window.end) - timedelta(hours=HOURS - 1), _hour(window.end)
    rows = window.checks(start).annotate(at=Trunc("created", "hour")).values("at").annotate(**counts(window.version))
    return series({row.pop("at"): row for row in rows}, start, last, timedelta(hours=1))


def summed(days, start, end):
    """The counts and histogram of the days in [start, end) of rollups.by_day's `days`."""
    total = rollups.empty()
    for at, day in days.items():
        if start <= at < end:
            for name, value in day.items():
                if name == "bins":
                    total[name] = [a + b for a, b in zip(total[name], value, strict=True)]
                else:
                    total[name] += value
    return total


def _hour(moment):
    return timezone.localtime(moment).replace(minute=0, second=0, microsecond=0)


def score_drift(served, reference):
    """PSI of the window's histogram of probabilities (`served`, BINS counts) against `reference` (the
    version's gate-sample probabilities, or None when it was not scored), with both histograms as
    shares; psi None below MIN_CHECKS."""
    served = np.asarray(served, dtype=float)
    found = {"checks": int(served.sum()), "minimum": MIN_CHECKS, "bins": BINS, "psi": None, "reference_n": 0}
    found["served"] = _shares(served)
    if reference is None:
        found["reference"] = None
        return found
    expected = np.bincount(np.minimum((np.asarray(reference) * BINS).astype(int), BINS - 1), minlength=BINS)
    found.update(reference=_shares(expected), reference_n=int(expected.sum()))
    if served.sum() >= MIN_CHECKS:
        found["psi"] = psi(served, expected)
    return found


def psi(actual, expected):
    """Population stability index of two histograms of counts (same bins), each smoothed by SMOOTHING."""
    a = (np.asarray(actual, dtype=float) + SMOOTHING) / (np.sum(actual) + SMOOTHING * len(actual))
    e = (np.asarray(expected, dtype=float) + SMOOTHING) / (np.sum(expected) + SMOOTHING * len(expected))
    return float(np.sum((a - e) * np.log(a / e)))


def _shares(counts_):
    total = float(np.sum(counts_))
    return [round(float(n) / total, 6) if total else 0.0 for n in counts_]


LENGTH_SAMPLE = 2000  # the window's latest comments whose length is averaged (reading every text is slow)


def length_drift(window):
    """Mean characters per comment: of the window's latest LENGTH_SAMPLE with their text (HAS_TEXT) and
    of the gate sample (None without one)."""
    latest = window.checks().filter(HAS_TEXT).order_by("-created")[:LENGTH_SAMPLE]
    served = Prediction.objects.filter(pk__in=latest.values("pk")).aggregate(mean=Avg(Length("text")))["mean"]
    reference = _reference_length(scoring.sample_key())
    return {"served_mean": served and round(served, 1), "reference_mean": reference}


def _reference_length(key):
    """The gate sample's mean comment length (None when unreadable)."""
    from ml.errors import DataError

    try:
        texts = _gate_texts(key)
    except (DataError, OSError, ValueError):
        return None
    return round(sum(len(text) for text in texts) / len(texts), 1) if texts else None


@functools.lru_cache(maxsize=4)
def _gate_texts(key):
    """The gate sample's comments (scoring.sample, under its `key`), read once per sample per process:
    the length, the words and the domain classifier all compare with them."""
    return list(scoring.sample()["text"])


TEXT_SAMPLE = 500  # the window's latest comments whose words are read (a tokenizer's pass takes time)


def text_drift(window):
    """From the window's latest TEXT_SAMPLE comments (text kept), computed at most once per
    MONITOR_REFRESH_S (a TextDrift row; the beat task's alert check computes them for the default window):
    - "words": the share of words that the version's vocabulary does not hold whole
      (ml/vocabulary.py), and the same share on the gate sample; "error" says why there is none (the
      model's files cannot be read);
    - "domain": how well a classifier tells them from TEXT_SAMPLE of the gate sample's comments
      (ml/drift.py: cross-validated ROC-AUC, and the words that tell them apart)."""
    now = timezone.now()
    kept = TextDrift.objects.filter(model_version=window.version, start=window.start, days=window.days)
    found = (
        kept.filter(computed__gt=now - timedelta(seconds=settings.MONITOR_REFRESH_S))
        .values_list("figures", flat=True)
        .first()
    )
    if found is None:
        latest = window.checks().filter(HAS_TEXT).order_by("-created")
        texts = list(latest.values_list("text", flat=True)[:TEXT_SAMPLE])
        found = {"words": _word_drift(window.version, texts), "domain": _domain(texts)}
        TextDrift.objects.filter(computed__lt=now - timedelta(days=1)).delete()  # windows nobody reads now
        TextDrift.objects.update_or_create(
            model_version=window.version,
            start=window.start,
            days=window.days,
            defaults={"figures": found, "computed": now},
        )
    return found


def _word_drift(version, texts):
    from ml import vocabulary
    from ml.errors import DataError, ModelLoadError

    found = {"served": None, "served_comments": len(texts), "reference": None, "error": None}
    try:
        count = _word_counter(version.artifact_path)
        found["served"] = vocabulary.rate(count(texts))
        found["reference"] = _reference_words(version.artifact_path, scoring.sample_key())
    except (ModelLoadError, OSError) as exc:
        found["error"] = str(exc)
    except (DataError, ValueError):
        pass  # no gate sample to compare with: the served share alone
    return found


def _domain(texts):
    from ml import drift
    from ml.errors import DataError

    try:
        reference = _gate_texts(scoring.sample_key())[:TEXT_SAMPLE]
    except (DataError, OSError, ValueError):
        reference = []  # no gate sample: nothing to tell them from
    return drift.domain_classifier(texts, reference)


@functools.lru_cache(maxsize=4)
def _word_counter(artifact_path):
    from ml import vocabulary

    return vocabulary.word_counter(artifact_path)


@functools.lru_cache(maxsize=8)
def _reference_words(artifact_path, key):
    from ml import vocabulary

    return vocabulary.rate(_word_counter(artifact_path)(_gate_texts(key)))


def accuracy(window):
    """Precision, recall and F1 (with its 95 % bootstrap interval) of the window's reviewed checks: the
    model's label against the reviewer's; None when none was reviewed."""
    from ml.stats import bootstrap

    rows = list(
        window.checks()
        .exclude(reviewed_label="")
        .filter(reviewed_at__isnull=False)
        .values_list("label", "reviewed_label")
    )
    if not rows:
        return None
    predicted = np.array([label == TOXIC for label, _ in rows], dtype=float)
    truth = np.array([label == TOXIC for _, label in rows], dtype=int)
    true_positives = float(np.sum(predicted * truth))
    interval = bootstrap(truth, predicted, "f1", resamples=1000)
    return {
        "n": len(rows),
        "precision": true_positives / predicted.sum() if predicted.sum() else None,
        "recall": true_positives / truth.sum() if truth.sum() else None,
        "f1": interval.difference,
        "f1_low": None if math.isnan(interval.ci_low) else interval.ci_low,
        "f1_high": None if math.isnan(interval.ci_high) else interval.ci_high,
        "sample": "reviewed checks: the queue favours flagged and uncertain verdicts, so not a random sample",
    }


def promotions(start, end):
    """The promotions (and rollbacks and threshold changes) within [start, end), oldest first."""
    found = Promotion.objects.filter(promoted_at__gte=start, promoted_at__lt=end).select_related("model_version")
    return [
        {"at": p.promoted_at.isoformat(), "version": p.model_version_id, "name": p.model_version.name, "what": _what(p)}
        for p in found.order_by("promoted_at", "id")
    ]


def _what(promotion):
    if promotion.threshold_change:
        return f"threshold {promotion.previous_threshold:g} to {promotion.threshold:g}"
    return "rollback" if promotion.rollback else "promotion"


def report(version, days, now=None):
    """Everything the page and the API show of `version` over the last `days` days, JSON-ready."""
    window = Window.last(version, days, now)
    reference = scoring.scores_of(version)
    before = window.previous()
    by_day = rollups.by_day(version, before.start, window.end)
    daily = series(by_day, window.start, _hour(window.end).replace(hour=0), timedelta(days=1))
    now_, then = summed(by_day, window.start, window.end), summed(by_day, before.start, before.end)
    return {
        "version": {"id": version.pk, "name": version.name, "threshold": version.threshold, "active": version.active},
        "days": days,
        "start": window.start.isoformat(),
        "end": window.end.isoformat(),
        "total": with_rates(now_),
        "previous": with_rates(then),
        "daily": daily,
        "hourly": hourly(window),
        "score_drift": score_drift(now_["bins"], reference.probabilities if reference else None),
        "length": length_drift(window),
        **text_drift(window),
        "accuracy": accuracy(window),
        "promotions": promotions(window.start, window.end),
    }
