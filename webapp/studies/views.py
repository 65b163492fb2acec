"""The study pages: the list, the form, a study's page (results, comparisons, loss curves by
method), its buttons and its export as CSV or JSON."""

from django.contrib import messages
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ml.names import LOSS_TERM_LABELS as LOSS_TERMS
from webapp.accounts.auth import check_permission, permission_required, staff_required
from webapp.studies import results, studies
from webapp.studies.forms import StudyForm
from webapp.studies.models import Study
from webapp.training import compare, jobs, lifecycle
from webapp.training.options import OptionError


@require_GET
@staff_required
def study_list(request):
    listing = [(study, studies.status(study)) for study in Study.objects.all()[:100]]
    return render(request, "studies/list.html", {"studies": listing})


@require_http_methods(["GET", "POST"])
@permission_required(jobs.PERMISSIONS["launch"])
def study_new(request):
    form = StudyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            study = studies.create(form.data_for_study(), request.user)
        except (OptionError, jobs.QuotaExceeded) as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Study {study.pk} is queued.")
            return redirect("study", study_id=study.pk)
    context = {"form": form, "mean_seconds": studies.mean_seconds()}
    return render(request, "studies/new.html", context, status=400 if form.is_bound else 200)


@require_GET
@staff_required
def study_detail(request, study_id):
    study = get_object_or_404(Study, pk=study_id)
    data = results.export(study)
    cells = studies.runs(study)
    curves = {}
    for run, series in zip(cells, compare.curves([run.job for run in cells]).values(), strict=True):
        label = f"seed {run.seed}" + (f", {study.vary['option']} {run.value}" if study.vary else "")
        curves.setdefault(run.method, {})[f"{label} (job {run.job.pk})"] = series["loss"] if series else []
    context = {
        "study": study,
        "data": data,
        "figures": [(key, heading, fmt) for key, heading, _, fmt in results.FIGURES],
        "rows": _rows(data["results"]),
        "curves": curves,
        "loss_terms": LOSS_TERMS,
    }
    return render(request, "studies/study.html", context)


def _rows(rows):
    """Each result row with its figures as "mean ± std" text."""
    figures = results.FIGURES
    for row in rows:
        row["cells"] = [results.mean_std(row[key], fmt) for key, _, _, fmt in figures]
    return rows


@require_POST
@staff_required
def study_action(request, study_id, action):
    check_permission(request.user, jobs.PERMISSIONS[action])
    study = get_object_or_404(Study, pk=study_id)
    try:
        if action == "cancel":
            studies.cancel(study, request.user)
            messages.success(request, f"Study {study.pk}: its jobs are cancelled or asked to stop.")
        else:
            studies.retry(study, request.user)
            messages.success(request, f"Study {study.pk}: its failed and cancelled jobs are queued again.")
    except (jobs.JobStateError, jobs.QuotaExceeded) as exc:
        messages.error(request, f"Study {study.pk}: {exc}.")
    except lifecycle.QueueUnavailable as exc:
        messages.error(request, str(exc))
    return redirect("study", study_id=study.pk)


@require_GET
@staff_required
def study_export(request, study_id, kind):
    study = get_object_or_404(Study, pk=study_id)
    if kind == "json":
        response = JsonResponse(results.export(study), json_dumps_params={"indent": 2})
    else:
        response = HttpResponse(results.to_csv(study), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="study-{study.pk}.{kind}"'
    return response
