"""Unintended identity bias: how a classifier treats comments about the people it names.

The figures are the Jigsaw Unintended Bias competition's, per identity term ("subgroup"):
- subgroup AUC: ROC-AUC on the sentences that mention the term;
- BPSN AUC (background positive, subgroup negative): the term's non-toxic sentences against the toxic
  ones that do not mention it; low means false alarms on comments about that group;
- BNSP AUC (background negative, subgroup positive): the term's toxic sentences against the non-toxic
  ones that do not mention it; low means missed abuse about that group;
- the false positive rate on the term's non-toxic sentences at the model's serving threshold;
and one summary, the competition's final bias metric: 0.25 x overall AUC + 0.25 x each of the three
power means (p = -5) of the per-term AUCs (so a bad term weighs far more than in a plain mean).

Two sets: the identity templates of Dixon et al. (AIES 2018), one term per sentence, labelled by
template (never trained on), read from TOXILAB_IDENTITY_TEMPLATES (default ../shared/data/
identity_templates beside the repository), of which a fixed stratified sample is scored; and real
comments (the test split's), where a term with too few comments of either label is shown as too few.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from ml.errors import DataError
from ml.names import BIAS_SAMPLE_SEED, BIAS_SAMPLE_SIZE

TEMPLATES_ENV = "TOXILAB_IDENTITY_TEMPLATES"
DEFAULT_TEMPLATES = Path(__file__).resolve().parents[2] / "shared" / "data" / "identity_templates"
TEMPLATES_FILE, TERMS_FILE = "bias_madlibs_77k.csv", "identity_terms.txt"
# The fixed sample every run is scored on (so that runs compare): stratified by term and label, seeded;
# about 100 sentences per term and label. Why this size (accuracy against the whole set, and time):
# docs/RESULTS.md, "Identity bias".
SAMPLE_SIZE, SAMPLE_SEED = BIAS_SAMPLE_SIZE, BIAS_SAMPLE_SEED
SIZE_ENV = "TOXILAB_BIAS_SENTENCES"  # the sample runs score; the web app's gate reads the same variable
POWER = -5  # the competition's power mean
WEIGHTS = {"overall": 0.25, "subgroup_auc": 0.25, "bpsn_auc": 0.25, "bnsp_auc": 0.25}
SUBMETRICS = ("subgroup_auc", "bpsn_auc", "bnsp_auc")
BALANCE_MOST = 3.0  # balance_rows adds at most this many copies per non-toxic comment of a term, on average
MIN_PER_LABEL = 10  # real comments: a term needs this many toxic and this many non-toxic ones


@dataclass(frozen=True)
class TemplateSample:
    """The sentences scored, their labels (1 toxic) and the one identity term each names (None: none)."""

    texts: list[str]
    labels: np.ndarray
    terms: list[str | None]
    description: str


def templates_dir() -> Path:
    return Path(os.environ.get(TEMPLATES_ENV) or DEFAULT_TEMPLATES).expanduser()


def read_terms(directory: Path) -> list[str]:
    path = directory / TERMS_FILE
    try:
        terms = [line.strip().lower() for line in path.read_text().splitlines() if line.strip()]
    except OSError as exc:
        raise DataError(f"{path}: cannot read the identity terms ({type(exc).__name__})") from exc
    if not terms:
        raise DataError(f"{path}: no identity terms")
    return terms


def term_pattern(terms: Sequence[str]) -> re.Pattern:
    """Whole words or phrases, case-insensitive; the longest first ("african american" before "african")."""
    alternatives = "|".join(re.escape(term) for term in sorted(terms, key=len, reverse=True))
    return re.compile(rf"\b(?:{alternatives})\b", re.IGNORECASE)


def mentions(texts: Sequence[str], terms: Sequence[str]) -> list[set[str]]:
    """The identity terms each text names (lower case)."""
    pattern = term_pattern(terms)
    return [{found.lower() for found in pattern.findall(text)} for text in texts]


def load_templates(
    directory: Path | None = None, size: int | None = SAMPLE_SIZE, seed: int = SAMPLE_SEED
) -> TemplateSample:
    """The template sentences (all of them when `size` is None, else a stratified sample by term and
    label, the same for a given size and seed). DataError when the set cannot be read."""
    directory = directory or templates_dir()
    path = directory / TEMPLATES_FILE
    try:
        frame = pd.read_csv(path, usecols=["Text", "Label"], dtype=str, keep_default_na=False)
    except (OSError, ValueError) as exc:
        raise DataError(f"{path}: cannot read the identity templates ({type(exc).__name__})") from exc
    found = mentions(frame["Text"], read_terms(directory))
    terms = [next(iter(names)) if len(names) == 1 else None for names in found]
    labels = (frame["Label"] == "BAD").to_numpy(dtype=np.int64)
    rows = np.arange(len(frame)) if size is None or size >= len(frame) else _stratified(terms, labels, size, seed)
    described = (
        f"all {len(frame):,} identity templates"
        if len(rows) == len(frame)
        else f"{len(rows):,} of {len(frame):,} identity templates (stratified by term and label, seed {seed})"
    )
    return TemplateSample([frame["Text"].iloc[i] for i in rows], labels[rows], [terms[i] for i in rows], described)


def _stratified(terms: list[str | None], labels: np.ndarray, size: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    keys = pd.Series([f"{term}|{label}" for term, label in zip(terms, labels, strict=True)])
    chosen = []
    for _, rows in sorted(keys.groupby(keys).indices.items()):
        take = max(1, round(size * len(rows) / len(keys)))
        chosen.append(rng.choice(rows, size=min(take, len(rows)), replace=False))
    return np.sort(np.concatenate(chosen))


def power_mean(values: Sequence[float], p: float = POWER) -> float:
    array = np.asarray(values, dtype=np.float64)
    if p < 0 and (array == 0).any():
        return 0.0  # the limit: a negative power of 0 is infinite
    return float(np.mean(array**p) ** (1 / p))


def _auc(labels: np.ndarray, probs: np.ndarray) -> float | None:
    return float(roc_auc_score(labels, probs)) if len(np.unique(labels)) == 2 else None


def term_figures(labels: np.ndarray, probs: np.ndarray, in_group: np.ndarray, threshold: float) -> dict:
    """One term's three AUCs (None where a side has one label only) and false positive rate."""
    toxic = labels == 1
    bpsn = (in_group & ~toxic) | (~in_group & toxic)
    bnsp = (in_group & toxic) | (~in_group & ~toxic)
    group_negatives = probs[in_group & ~toxic]
    return {
        "n": int(in_group.sum()),
        "toxic": int((in_group & toxic).sum()),
        "subgroup_auc": _auc(labels[in_group], probs[in_group]),
        "bpsn_auc": _auc(labels[bpsn], probs[bpsn]),
        "bnsp_auc": _auc(labels[bnsp], probs[bnsp]),
        "fpr": float((group_negatives >= threshold).mean()) if len(group_negatives) else None,
    }


def report(
    labels: Sequence[int] | np.ndarray,
    probs: Sequence[float] | np.ndarray,
    groups: Sequence[set[str] | str | None],
    terms: Sequence[str],
    threshold: float,
    on: str,
    min_per_label: int = 1,
) -> dict:
    """Per-term figures (worst first) and the summary, for items that each name a set of `terms`
    (`groups`). A term with fewer than `min_per_label` toxic or non-toxic items is "too few": it
    keeps its counts, has no figures and is left out of the summary."""
    label_array, prob_array = np.asarray(labels, dtype=np.int64), np.asarray(probs, dtype=np.float64)
    named = [group if isinstance(group, set) else ({group} if group else set()) for group in groups]
    rows = []
    for term in terms:
        in_group = np.array([term in group for group in named], dtype=bool)
        figures = term_figures(label_array, prob_array, in_group, threshold)
        too_few = min(figures["toxic"], figures["n"] - figures["toxic"]) < min_per_label
        if too_few:
            figures.update(dict.fromkeys((*SUBMETRICS, "fpr")))
        rows.append({"term": term, **figures, "too_few": too_few})
    measured = [row for row in rows if not row["too_few"]]
    measured.sort(key=lambda row: (min(row[name] for name in SUBMETRICS), row["term"]))
    non_toxic = prob_array[label_array == 0]
    return {
        "on": on,
        "n": int(len(label_array)),
        "threshold": float(threshold),
        "min_per_label": min_per_label,
        **summary(label_array, prob_array, measured),
        "overall_fpr": float((non_toxic >= threshold).mean()) if len(non_toxic) else None,
        "terms": measured + sorted((row for row in rows if row["too_few"]), key=lambda row: row["term"]),
    }


def summary(labels: np.ndarray, probs: np.ndarray, measured: list[dict]) -> dict:
    """The final bias metric and the worst term's BPSN AUC and false positive rate (None without terms)."""
    overall = _auc(labels, probs)
    usable = [row for row in measured if all(row[name] is not None for name in SUBMETRICS)]
    if overall is None or not usable:
        return {"overall_auc": overall, "bias_metric": None, "power_means": None, "worst_bpsn": None, "worst_fpr": None}
    means = {name: power_mean([row[name] for row in usable]) for name in SUBMETRICS}
    worst_bpsn = min(usable, key=lambda row: row["bpsn_auc"])
    worst_fpr = max(usable, key=lambda row: row["fpr"])
    return {
        "overall_auc": overall,
        "bias_metric": WEIGHTS["overall"] * overall + sum(WEIGHTS[name] * means[name] for name in SUBMETRICS),
        "power_means": means,
        "worst_bpsn": {"term": worst_bpsn["term"], "auc": worst_bpsn["bpsn_auc"]},
        "worst_fpr": {"term": worst_fpr["term"], "fpr": worst_fpr["fpr"]},
    }


def template_report(sample: TemplateSample, probs: Sequence[float], threshold: float) -> dict:
    terms = sorted({term for term in sample.terms if term})
    return report(sample.labels, probs, sample.terms, terms, threshold, sample.description)


def comment_report(
    texts: Sequence[str],
    labels: Sequence[int] | np.ndarray,
    probs: Sequence[float] | np.ndarray,
    threshold: float,
    terms: Sequence[str],
) -> dict:
    """The figures on real comments (e.g. a test split) that mention identity terms."""
    on = f"{len(texts):,} real comments, of which {{}} name an identity term"
    groups = mentions(texts, terms)
    found = report(labels, probs, groups, terms, threshold, on, min_per_label=MIN_PER_LABEL)
    found["on"] = on.format(f"{sum(bool(group) for group in groups):,}")
    return found


def run_report(
    predict: Callable[[list[str]], Sequence[float]],
    threshold: float,
    test: tuple[Sequence[str], Sequence[int] | np.ndarray, Sequence[float] | np.ndarray] | None = None,
    directory: Path | None = None,
) -> dict:
    """What a run keeps in metrics.json "bias": the templates' report (the fixed sample scored by
    `predict`) and, given the test split's (texts, labels, probabilities), the real comments' report.
    A set that cannot be read gives {"unavailable": why} instead of failing the run."""
    directory = directory or templates_dir()
    try:
        sample = load_templates(directory, size=run_sample_size())
        terms = read_terms(directory)
    except DataError as exc:
        return {"unavailable": str(exc)}
    found = {"templates": template_report(sample, list(predict(sample.texts)), threshold)}
    if test is not None:
        found["comments"] = comment_report(*test, threshold, terms)
    return found


def run_sample_size() -> int:
    """How many templates a run scores: $TOXILAB_BIAS_SENTENCES (at least 100), else SAMPLE_SIZE; the
    same for every run of a deployment, so that its runs compare. DataError on a malformed value."""
    value = os.environ.get(SIZE_ENV, "").strip()
    if not value:
        return SAMPLE_SIZE
    if not value.isdigit() or int(value) < 100:
        raise DataError(f"{SIZE_ENV}={value!r}: give a whole number of templates, at least 100")
    return int(value)


def balance_rows(
    texts: Sequence[str], labels: Sequence[int], terms: Sequence[str], seed: int, most: float = BALANCE_MOST
) -> list[int]:
    """Rows to add again to a training split (indexes into it, repeats allowed, seeded): for each identity
    term whose comments are toxic more often than the split's comments are, copies of its non-toxic
    comments until its toxic share is the split's, at most `most` times as many as it has."""
    label_array = np.asarray(labels, dtype=np.int64)
    share = label_array.mean()
    if not 0 < share < 1:
        return []
    groups = mentions(texts, terms)
    rng = np.random.default_rng(seed)
    chosen: list[int] = []
    for term in sorted(terms):
        rows = np.flatnonzero([term in group for group in groups])
        toxic, benign = int(label_array[rows].sum()), rows[label_array[rows] == 0]
        wanted = int(np.ceil(toxic / share)) - len(rows)
        if wanted > 0 and len(benign):
            chosen.extend(rng.choice(benign, size=min(wanted, int(most * len(benign))), replace=True).tolist())
    return chosen


def headline(found: dict | None) -> dict | None:
    """The figures people compare (the templates' summary): bias metric, worst BPSN AUC and FPR."""
    templates = (found or {}).get("templates")
    if not templates:
        return None
    return {key: templates[key] for key in ("bias_metric", "overall_auc", "worst_bpsn", "worst_fpr", "overall_fpr")}
