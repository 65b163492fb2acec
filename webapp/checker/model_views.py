"""The staff model pages: every version with the promotion history, and one version's page (figures at
its threshold, the validation PR curve, the threshold form, the gate's verdict and the activate button).
Looking needs staff; activating (promote or roll back) and changing the threshold need the model owners'
permission, checked here as on the API."""

import functools

from django.conf import settings
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from webapp.accounts.auth import permission_required, staff_required
from webapp.checker import bias, gate, scoring, shadow, toxic_words
from webapp.checker.models import ModelVersion, Promotion, WordReport
from webapp.paths import hide_paths

PROMOTE = "checker.promote_modelversion"


@require_GET
@staff_required
def model_list(request):
    context = {
        "versions": ModelVersion.objects.defer("metrics"),
        "promotions": Promotion.objects.select_related("model_version", "previous", "promoted_by")[:100],
        "served": set(Promotion.objects.values_list("model_version", flat=True)),
    }
    return render(request, "checker/models.html", context)


@require_GET
@staff_required
def model_detail(request, version_id):
    return _page(request, get_object_or_404(ModelVersion, pk=version_id))


def _page(request, version, **extra):
    """The version's page; `extra` adds to its context (the preview of a new threshold)."""
    active = ModelVersion.current()
    scores = scoring.scores_of(version)
    found = bias.figures(version)
    figures = scoring.figures(version, scores)
    verdict = None if version.active else _verdict(version, active)  # it carries the shadow run's figures
    if figures is not None:
        figures["bias"] = found and found["summary"]
    context = {
        "version": version,
        "artifact": hide_paths(version.artifact_path),
        "active": active,
        "figures": figures,
        "bias": found,
        "run_figures": version.metrics.get("test_at_threshold")
        if version.threshold == version.tuned_threshold
        else None,
        "curve": version.metrics.get("validation_curve"),
        "verdict": verdict,
        "promotions": version.promotions.select_related("model_version", "previous", "promoted_by"),
        "words": WordReport.objects.filter(model_version=version).first(),
        "shadow": verdict.shadow if verdict else shadow.summary(shadow.latest(version)),
        "shadow_defaults": {"max_checks": settings.TOXILAB_SHADOW_MAX_CHECKS, "days": settings.TOXILAB_SHADOW_DAYS},
        **extra,
    }
    return render(request, "checker/model.html", context)


def version_action(view):
    """A model owner's POST about one version: `view(request, version)` acts and says how in a message,
    and the owner is sent back to the version's page unless the view returns a response of its own."""

    @require_POST
    @permission_required(PROMOTE)
    @functools.wraps(view)
    def act(request, version_id):
        version = get_object_or_404(ModelVersion, pk=version_id)
        return view(request, version) or redirect("model", version_id=version.pk)

    return act


def _verdict(version, active):
    return gate.judge(version, active, rollback=version.promotions.exists())


@version_action
def activate(request, version):
    """Promote or roll back through the gate; `force` (the form's confirm box) overrides a refusal.
    A rollback first asks for confirmation on a page of its own, whose button posts again with confirm=yes."""
    if version.promotions.exists() and request.POST.get("confirm") != "yes":
        context = {"version": version, "active": ModelVersion.current(), "force": request.POST.get("force")}
        return render(request, "checker/confirm_rollback.html", context)
    try:
        promotion = gate.promote(
            version, request.user, Promotion.Source.DASHBOARD, force=bool(request.POST.get("force"))
        )
    except (gate.AlreadyActive, gate.CannotLoad, gate.PromotionRefused) as exc:
        messages.error(request, f"{str(exc)[0].upper()}{str(exc)[1:]}.")
    else:
        what = "rolled back to" if promotion.rollback else "promoted"
        forced = f" (forced past the gate: {promotion.reason})" if promotion.forced else ""
        messages.success(request, f"{version.name!r} {what}: it now serves the checker{forced}.")


@version_action
def set_threshold(request, version):
    """Without `apply`: the page again with the figures at the typed threshold and the gate's verdict on
    it (a preview). With `apply`: the change, through the gate for the active model (`force` and `note`
    override a refusal)."""
    try:
        threshold = float(request.POST.get("threshold", ""))
        if not request.POST.get("apply"):
            if not 0 <= threshold <= 1:
                raise ValueError(f"the threshold must be between 0 and 1 (got {threshold})")
            preview = {"threshold": threshold, "verdict": gate.judge_threshold(version, threshold)}
            return _page(request, version, preview=preview)
        force = bool(request.POST.get("force"))
        note = request.POST.get("note", "")
        promotion = gate.change_threshold(version, threshold, request.user, Promotion.Source.DASHBOARD, force, note)
    except (ValueError, gate.PromotionRefused) as exc:
        messages.error(request, f"Threshold not changed: {_reason(exc)}.")
    else:
        forced = f" (forced past the gate: {promotion.reason})" if promotion and promotion.forced else ""
        messages.success(
            request,
            f"{version.name!r} now labels a comment toxic at a probability of {threshold:g} or more{forced}.",
        )


@version_action
def score(request, version):
    scoring.queue(version)
    messages.success(request, f"{version.name!r} is queued for the worker to score on the gate's test sample.")


@version_action
def find_words(request, version):
    if toxic_words.ask(version):
        messages.success(request, f"The worker is finding the words that push {version.name!r} to toxic.")
    else:
        messages.error(request, "The worker's queue cannot be reached now: ask again in a moment.")


@version_action
def start_shadow(request, version):
    """Put the version in shadow with the form's share (percent), checks and days."""
    try:
        share = float(request.POST.get("share_percent") or 100) / 100
        max_checks = int(request.POST.get("max_checks") or settings.TOXILAB_SHADOW_MAX_CHECKS)
        days = float(request.POST.get("days") or settings.TOXILAB_SHADOW_DAYS)
        run = shadow.start(version, request.user, share, max_checks, days)
    except shadow.ShadowError as exc:
        messages.error(request, f"Not put in shadow: {exc.field.replace('_', ' ')} {exc}.")
    except ValueError:
        messages.error(request, "Not put in shadow: the share, checks and days must be numbers.")
    else:
        messages.success(
            request,
            f"{version.name!r} is in shadow: it judges {run.share:.0%} of live checks beside the served model, "
            f"unseen by end users, until {run.max_checks:,} are judged or {run.until:%Y-%m-%d %H:%M}.",
        )


@version_action
def stop_shadow(request, version):
    run = shadow.latest(version)
    if run is not None and shadow.stop(run):
        messages.success(request, f"{version.name!r} is out of shadow.")
    else:
        messages.error(request, f"{version.name!r} is not in shadow.")


def _reason(exc):
    text = str(exc)
    return "enter a number between 0 and 1" if text.startswith("could not convert") else text
