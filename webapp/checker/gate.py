"""The quality gate: whether a model version may start serving the checker, and the one way to make it serve.

The dashboard, the API (jobs and models) and `register_model --activate` all promote through
`promote()`, so they follow the same rules. A candidate is refused when, on the gate's fixed test
sample (webapp/checker/scoring.py) and at each version's own serving threshold (the verdict also carries
the candidate's agreement with the served model on live traffic, when it ran in shadow: shown, not a rule):
- its test F1 is under settings.TOXILAB_PROMOTE_MIN_F1;
- it predicts a single class for every comment of the sample;
- its F1 is more than settings.TOXILAB_PROMOTE_MAX_DROP points (1 point = 0.01 F1) under the active
  model's. A rollback (to a version that has served before) skips this rule: it undoes a promotion;
- with `must_improve` (the starter's improvements, which nobody asked for), its F1 is not above the
  active model's: what serves never gets worse by itself;
- on the same identity-template sentences (webapp/checker/bias.py), its final bias metric is more than
  settings.TOXILAB_PROMOTE_MAX_BIAS_DROP points under the active model's, or its worst term's false
  positive rate more than settings.TOXILAB_PROMOTE_MAX_FPR_RISE points above the active model's worst
  (not for a rollback either; a server without the template set skips this rule).
A version not scored on the sample yet cannot be judged: it is refused as "not measured" and queued
for the worker to score. `force=True` promotes anyway and stores the refusal's reason with the promotion.

A new serving threshold for the active model is a promotion too (`change_threshold`): the model at the
new threshold is judged against itself at the current one by the same rules, and the change is a row
of the promotion history. A version that does not serve changes its threshold freely.
"""

import json
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q

from ml.names import LABELS
from webapp.checker import bias, scoring, shadow
from webapp.checker.models import ModelVersion, Promotion

log = logging.getLogger(__name__)
UNSCORED_BIAS = "are not measured on the identity templates yet (a promotion queues it for the worker)"
UNSCORED = "is not scored on the gate's test sample yet (a promotion queues it for the worker; try again then)"


class AlreadyActive(Exception):
    """The version already serves the checker."""


class CannotLoad(Exception):
    """The version's model cannot be loaded (files missing or damaged): it is not made active, `force`
    or not, since the checker would answer 503 with it."""


class PromotionRefused(Exception):
    """The gate refused the version; `verdict` holds the figures and every reason."""

    def __init__(self, verdict):
        self.verdict = verdict
        super().__init__(f"promotion refused: {verdict.reason}; force it to promote anyway")


@dataclass
class Verdict:
    """The candidate's and the active model's figures on the same comments, and why the gate refuses."""

    sample: str
    candidate: dict | None
    active: dict | None
    refusals: list[str] = field(default_factory=list)
    unmeasured: list[ModelVersion] = field(default_factory=list)
    shadow: dict | None = None  # its latest shadow run on live traffic (webapp/checker/shadow.py): shown, not a rule

    @property
    def passed(self):
        return not self.refusals

    @property
    def reason(self):
        return "; ".join(self.refusals)

    def as_dict(self):
        return {
            "sample": self.sample,
            "candidate": self.candidate,
            "active": self.active,
            "refusals": self.refusals,
            # stored with a promotion's figures: JSON, so its times as ISO strings
            "shadow": self.shadow and json.loads(DjangoJSONEncoder().encode(self.shadow)),
        }


def judge(candidate, active=None, rollback=False, must_improve=False, threshold=None):
    """The gate's verdict on making `candidate` serve instead of `active` (None: no model serves), at
    `threshold` (default: the candidate's own serving threshold)."""
    verdict = Verdict(scoring.sample_key(), _figures(candidate, threshold), active and _figures(active))
    verdict.shadow = shadow.summary(shadow.latest(candidate))
    min_f1 = settings.TOXILAB_PROMOTE_MIN_F1
    mine = verdict.candidate
    if mine is None:
        verdict.unmeasured.append(candidate)
        verdict.refusals.append(f"{candidate.name!r} {UNSCORED}")
        return verdict
    if mine["f1"] < min_f1:
        verdict.refusals.append(f"its test F1 {mine['f1']:.4f} is under the minimum {min_f1:.2f}")
    if mine["predicted_toxic"] in (0, mine["n"]):
        which = LABELS[0] if mine["predicted_toxic"] == 0 else LABELS[1]
        verdict.refusals.append(f"it predicts a single class ({which}) for all {mine['n']} test comments")
    if active is None or rollback:
        return verdict
    theirs = verdict.active
    if theirs is None:
        verdict.unmeasured.append(active)
        verdict.refusals.append(f"the active model {active.name!r} {UNSCORED}")
        return verdict
    verdict.refusals.extend(_against_active(mine, theirs, must_improve))
    _judge_bias(verdict, candidate, active)
    return verdict


def _figures(version, threshold=None):
    """scoring.figures with the identity-bias summary at the same threshold ("bias": None when unscored)."""
    found = scoring.figures(version, threshold=threshold)
    if found is not None:
        scores = bias.scores_of(version)
        found["bias"] = bias.summary(bias.report(version, scores, threshold)) if scores is not None else None
    return found


def _against_active(mine, theirs, must_improve):
    max_drop = settings.TOXILAB_PROMOTE_MAX_DROP
    if (theirs["f1"] - mine["f1"]) * 100 > max_drop:
        return [
            f"its test F1 {mine['f1']:.4f} is {(theirs['f1'] - mine['f1']) * 100:.1f} points under the active "
            f"model's {theirs['f1']:.4f} (at most {max_drop:g} allowed)"
        ]
    if must_improve and mine["f1"] <= theirs["f1"]:
        return [f"its test F1 {mine['f1']:.4f} is not above the active model's {theirs['f1']:.4f}"]
    return []


def _judge_bias(verdict, candidate, active):
    """The bias rule: both versions' summaries on the same template sentences, each at its own threshold."""
    if bias.sample() is None:
        return
    for version, figures, whose in (
        (candidate, verdict.candidate, "its"),
        (active, verdict.active, "the active model's"),
    ):
        if figures["bias"] is None:
            verdict.unmeasured.append(version)
            verdict.refusals.append(f"{whose} identity-bias figures {UNSCORED_BIAS}")
            return
    mine, theirs = verdict.candidate["bias"], verdict.active["bias"]
    max_drop, max_rise = settings.TOXILAB_PROMOTE_MAX_BIAS_DROP, settings.TOXILAB_PROMOTE_MAX_FPR_RISE
    drop = (theirs["bias_metric"] - mine["bias_metric"]) * 100
    if drop > max_drop:
        verdict.refusals.append(
            f"its identity-bias metric {mine['bias_metric']:.4f} is {drop:.1f} points under the active model's "
            f"{theirs['bias_metric']:.4f} on the same template sentences (at most {max_drop:g} allowed)"
        )
    rise = (mine["worst_fpr"]["fpr"] - theirs["worst_fpr"]["fpr"]) * 100
    if rise > max_rise:
        verdict.refusals.append(
            f"it calls {mine['worst_fpr']['fpr']:.0%} of the non-toxic template sentences naming "
            f"{mine['worst_fpr']['term']!r} toxic, {rise:.1f} points more than the active model's worst term "
            f"({theirs['worst_fpr']['term']!r}, {theirs['worst_fpr']['fpr']:.0%}; at most {max_rise:g} allowed)"
        )


def promote(version, user, source, force=False, must_improve=False):
    """Make `version` the active model if the gate passes it (or `force`); returns the Promotion.
    AlreadyActive if it serves already; PromotionRefused with the verdict otherwise. A version the
    gate could not judge for want of scores is queued for the worker to score, refused or forced.
    CannotLoad, before anything changes, if its model does not load (settings.TOXILAB_PROMOTE_LOAD_CHECK)."""
    if not version.active:
        _require_loadable(version)
    try:
        promotion, verdict = _promote(version, user, source, force, must_improve)
    except PromotionRefused as exc:
        promotion, verdict = None, exc.verdict
    for unmeasured in verdict.unmeasured:
        scoring.queue(unmeasured)
    if promotion is None:
        raise PromotionRefused(verdict)
    return promotion


def _require_loadable(version):
    """Load the version's model as the checker would (its runtime), so that a version whose files were
    truncated or removed since it was registered (a rollback to it, say) never starts serving."""
    if not settings.TOXILAB_PROMOTE_LOAD_CHECK:
        return
    from ml import runtimes  # imports torch: only when a model is promoted
    from ml.errors import ModelLoadError

    try:
        runtimes.load(version.artifact_path, version.runtime)
    except ModelLoadError as exc:
        log.error("model version %s cannot be loaded, not promoted: %s", version.pk, exc)
        raise CannotLoad(
            f"model {version.name!r} cannot be loaded (its files are missing or damaged; the server's log says "
            "which), so it was not made active"
        ) from exc


@transaction.atomic
def _promote(version, user, source, force, must_improve):
    locked = list(ModelVersion.objects.select_for_update().filter(Q(pk=version.pk) | Q(active=True)))
    version = next(v for v in locked if v.pk == version.pk)
    if version.active:
        raise AlreadyActive(f"model {version.name!r} is already the active model")
    active = next((v for v in locked if v.active), None)
    rollback = version.promotions.exists()
    verdict = judge(version, active, rollback=rollback, must_improve=must_improve)
    if not verdict.passed and not force:
        raise PromotionRefused(verdict)
    version.activate()
    shadow.promoted(version)
    promotion = _record(version, active, user, source, verdict, rollback=rollback, threshold=version.threshold)
    return promotion, verdict


def _record(version, previous, user, source, verdict, **fields):
    return Promotion.objects.create(
        model_version=version,
        previous=previous,
        promoted_by=user if user is not None and user.is_authenticated else None,
        source=source,
        figures=verdict.as_dict(),
        forced=not verdict.passed,
        reason=verdict.reason,
        **fields,
    )


def judge_threshold(version, threshold):
    """The gate's verdict on serving `version` at `threshold`: against itself at its current threshold
    when it is the active model; a version that does not serve is only measured (no rule applies)."""
    if not version.active:
        return Verdict(scoring.sample_key(), scoring.figures(version, threshold=threshold), None)
    return judge(version, version, threshold=threshold)


def change_threshold(version, threshold, user, source, force=False, note=""):
    """Serve `version` at `threshold` from now on. On the active model this is a promotion: refused
    (PromotionRefused) when the gate refuses it unless `force`d with a `note` saying why, and recorded
    in the promotion history with who changed it. Returns the Promotion, or None for a version that
    does not serve. ValueError for a threshold outside 0..1 or a forced change without a note."""
    if not 0 <= threshold <= 1:
        raise ValueError(f"the threshold must be between 0 and 1 (got {threshold})")
    try:
        return _change_threshold(version, threshold, user, source, force, note.strip())
    except PromotionRefused as exc:
        for unmeasured in exc.verdict.unmeasured:
            scoring.queue(unmeasured)
        raise


@transaction.atomic
def _change_threshold(version, threshold, user, source, force, note):
    version = ModelVersion.objects.select_for_update().get(pk=version.pk)
    verdict = judge_threshold(version, threshold)
    if not verdict.passed and not force:
        raise PromotionRefused(verdict)
    if not verdict.passed and not note:
        raise ValueError("say why you force a threshold that the gate refuses (the reason is stored)")
    previous = version.threshold
    scoring.set_threshold(version, threshold)
    if not version.active:
        return None
    return _record(version, version, user, source, verdict, threshold=threshold, previous_threshold=previous, note=note)
