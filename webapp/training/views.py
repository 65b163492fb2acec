"""The staff dashboard: job list, launch form, job page, compare page, and the job buttons."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import BadRequest
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ml import methods
from ml.names import LABELS
from ml.names import LOSS_TERM_LABELS as LOSS_TERMS
from webapp.accounts.auth import check_permission, permission_required, staff_required
from webapp.checker import gate
from webapp.checker.models import ModelVersion, Promotion
from webapp.paths import hide_paths
from webapp.training import attempts, jobs, lifecycle
from webapp.training import compare as comparison
from webapp.training.forms import DescribeForm, JobForm
from webapp.training.models import TrainingJob, queue_positions
from webapp.training.options import config_rows, default_lr


@require_GET
@staff_required
def dashboard(request):
    attempts.recover_stale()
    listing = TrainingJob.objects.select_related("created_by", "model_version").defer("config")
    page = Paginator(listing, settings.TOXILAB_JOBS_PER_PAGE).get_page(request.GET.get("page"))
    positions = queue_positions()
    for job in page:
        job.position = positions.get(job.pk)
    context = {"page": page, "any_active": any(job.is_active for job in page)}
    fetch = request.headers.get("X-Requested-With") == "fetch"
    return render(request, "training/_job_table.html" if fetch else "training/dashboard.html", context)


@require_http_methods(["GET", "POST"])
@permission_required(jobs.PERMISSIONS["launch"])
def launch(request):
    copy_of = request.GET.get("from")
    if copy_of is not None and not copy_of.isdecimal():
        raise BadRequest("?from= takes the id of the job to copy")
    initial = JobForm.initial_from(get_object_or_404(TrainingJob, pk=copy_of)) if copy_of else None
    form = JobForm(request.POST or None, initial=initial)
    status = 400 if form.is_bound else 200
    if request.method == "POST" and form.is_valid():
        try:
            job = form.cleaned_data["launch"].submit(request.user)
        except jobs.JobStateError as exc:  # its teacher job failed or was cancelled since the form was checked
            form.add_error("teacher_job", str(exc))
            status = 409
        except lifecycle.QueueUnavailable as exc:
            form.add_error(None, str(exc))
            status = 503
        except jobs.QuotaExceeded as exc:
            form.add_error(None, f"{str(exc)[0].upper()}{str(exc)[1:]}.")
            status = 429
        else:
            waiting = f"waiting for job {job.teacher_job_id}, its teacher" if job.status == job.Status.WAITING else ""
            messages.success(request, f"Job {job.pk} is {waiting or 'queued'}.")
            return redirect("job", job_id=job.pk)
    lrs = {method: default_lr(method) for method in methods.names()}
    return render(request, "training/launch.html", {"form": form, "default_lrs": lrs}, status=status)


@require_GET
@staff_required
def job_detail(request, job_id):
    attempts.recover_stale()
    job = get_object_or_404(TrainingJob.objects.select_related("created_by", "teacher_job", "model_version"), pk=job_id)
    log_entries = list(job.log_entries.all())
    context = {
        "job": job,
        "points": [point.to_point() for point in job.points.all()],
        "loss_terms": LOSS_TERMS,
        "labels": LABELS,  # the confusion matrix's classes, by index
        "evaluations": [evaluation.to_dict() for evaluation in job.evaluations.all()],
        "log_entries": log_entries,
        "log_ids": [entry.pk for entry in log_entries],
        "config_rows": config_rows(hide_paths(job.config)),
        "shown": hide_paths({"output": job.output_dir, "teacher": job.teacher, "error": job.error}),
        "describe_form": DescribeForm(instance=job),
        "position": job.queue_position(),
        "verdict": _gate_verdict(job),
        "no_loss": getattr(methods.REGISTRY.get(job.method), "trains_itself", False),
        "promotions": Promotion.objects.filter(model_version=job.model_version_id).select_related(
            "promoted_by", "model_version"
        )
        if job.model_version_id
        else [],
    }
    return render(request, "training/job.html", context)


def _gate_verdict(job):
    """What the quality gate would say of promoting the job's model now (None when it cannot be promoted)."""
    version = job.model_version
    if version is None or not job.can_promote:
        return None
    active = ModelVersion.current()
    return gate.judge(version, active, rollback=version.promotions.exists())


@require_POST
@staff_required
def describe(request, job_id):
    """The name and note form of the job page, for staff with the permission (the Trainers group)."""
    check_permission(request.user, jobs.PERMISSIONS["describe"])
    job = get_object_or_404(TrainingJob, pk=job_id)
    form = DescribeForm(request.POST)
    if form.is_valid():
        jobs.describe(job, request.user, form.cleaned_data["name"], form.cleaned_data["note"])
        messages.success(request, f"Job {job.pk}: name and note saved.")
    else:
        errors = "; ".join(f"{field}: {' '.join(texts)}" for field, texts in form.errors.items())
        messages.error(request, f"Job {job.pk}: not saved ({errors}).")
    return redirect("job", job_id=job.pk)


@require_POST
@staff_required
def job_action(request, job_id, action):
    """The cancel, retry and promote buttons of the job page."""
    check_permission(request.user, jobs.PERMISSIONS[action])
    job = get_object_or_404(TrainingJob.objects.select_related("model_version"), pk=job_id)
    if action in CONFIRMED_ACTIONS and request.POST.get("confirm") != "yes":
        return confirm_page(request, job, action)
    try:
        if action == "cancel":
            was_running = job.status == TrainingJob.Status.RUNNING
            jobs.cancel(job, request.user)
            messages.success(
                request,
                f"Job {job.pk}: its worker was asked to stop; it ends cancelled after the current step."
                if was_running
                else f"Job {job.pk} is cancelled; it will not run.",
            )
        elif action == "retry":
            original = job.pk
            job, new = jobs.retry(job, request.user)
            if new:
                messages.success(request, f"Job {job.pk} is queued with the same configuration.")
            else:
                messages.info(request, f"Job {original} was retried already, as this job; no other job was made.")
        else:  # the model's page shows its figures beside the active model's before the owner promotes
            return redirect(f"{reverse('model', args=[jobs.promotable_model(job).pk])}#promote")
    except (jobs.JobStateError, jobs.QuotaExceeded) as exc:
        messages.error(request, f"Job {job.pk}: {exc}.")
    except lifecycle.QueueUnavailable as exc:
        messages.error(request, f"{str(exc)[0].upper()}{str(exc)[1:]}.")
    return redirect("job", job_id=job.pk)


# Cancel is irreversible: its button asks first. Promote's question is the model's page, which shows
# its figures beside the active model's and the quality gate's verdict before the owner promotes.
CONFIRMED_ACTIONS = ("cancel",)


def confirm_page(request, job, action):
    """The confirmation step of cancel: a page (or, with JS, the job page's dialog shows the same form)
    whose button posts again with confirm=yes."""
    return render(request, "training/confirm.html", {"job": job, "action": action})


@require_GET
@staff_required
def compare(request):
    chosen, failed = comparison.split_failed(comparison.chosen_jobs(request.GET.getlist("jobs")))
    curves = comparison.curves(chosen)
    context = {
        "jobs": chosen,
        "failed": failed,
        "rows_by_job": comparison.rows(chosen),
        "config_diff": comparison.config_diff(chosen),
        "columns": comparison.COLUMNS,
        "test_sizes": comparison.test_sizes(chosen),
        "curves": curves,
        "series_labels": comparison.series_labels(curves),
        "finished": TrainingJob.objects.filter(status=TrainingJob.Status.SUCCEEDED)[:100],
        "chosen_ids": {job.pk for job in chosen},
    }
    return render(request, "training/compare.html", context)
