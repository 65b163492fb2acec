"""Staff review of stored predictions at /dashboard/predictions/: the filtered list with per-model
figures, review actions (one row or the ticked ones), one prediction's audit trail, and the CSV export."""

from django.contrib import messages
from django.http import JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from webapp.accounts.auth import permission_required, staff_required
from webapp.checker.models import Prediction
from webapp.review import actions, export, filters, summary


@require_GET
@staff_required
def predictions(request):
    form = filters.PredictionFilter(request.GET)
    context = {"form": form, "page": None, "summaries": [], "query": _query(request)}
    if not form.is_valid():
        return render(request, "review/list.html", context, status=400)
    rows = form.queryset().select_related("model_version", "reviewed_by")
    try:
        context["page"] = filters.page(
            form, after=request.GET.get("after"), before=request.GET.get("before"), rows=rows
        )
    except filters.BadCursor as exc:
        messages.error(request, str(exc))
        return redirect(f"{request.path}?{context['query']}")
    context["summaries"] = summary.per_model(form.queryset())
    return render(request, "review/list.html", context)


@require_POST
@permission_required("checker.review_prediction")
def review_selected(request):
    """A row's button (`row` = "<id>:<action>") or a bulk button (`action`) on the ticked `ids`."""
    if request.POST.get("row"):
        pk, _, action = request.POST["row"].partition(":")
        ids = [pk]
    else:
        ids, action = request.POST.getlist("ids"), request.POST.get("action", "")
    try:
        count = actions.review(ids, request.user, action)
    except actions.ReviewError as exc:
        return _answer(request, error=str(exc))
    return _answer(request, ids=ids, message=f"{count} prediction{'s' if count != 1 else ''} reviewed.")


@require_GET
@staff_required
def prediction_detail(request, prediction_id):
    prediction = get_object_or_404(Prediction.objects.select_related("model_version", "reviewed_by"), pk=prediction_id)
    reviews = prediction.reviews.select_related("reviewer")
    return render(request, "review/detail.html", {"prediction": prediction, "reviews": reviews})


@require_GET
@permission_required("checker.export_prediction")
def export_csv(request):
    form = filters.PredictionFilter(request.GET)
    if not form.is_valid():
        return JsonResponse({"error": form.first_error()}, status=400)
    # Under daphne, webapp.handler reads the chunks in this request's thread as it sends them.
    content = export.chunks(export.lines(form.ordered()))
    response = StreamingHttpResponse(content, content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="predictions-{stamp}.csv"'
    return response


def _answer(request, ids=(), message="", error=""):
    """JSON for the page's script, else a redirect back to the list the form came from."""
    if request.headers.get("X-Requested-With") == "fetch":
        if error:
            return JsonResponse({"error": error}, status=400)
        rows = Prediction.objects.filter(pk__in=ids).select_related("reviewed_by")
        return JsonResponse({"message": message, "rows": [_row(p) for p in rows]})
    if error:
        messages.error(request, error)
    else:
        messages.success(request, message)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}, require_https=request.is_secure()):
        back = "predictions"
    return redirect(back)


def _row(prediction):
    return {
        "id": prediction.pk,
        "reviewed_label": prediction.reviewed_label,
        "final_label": prediction.final_label,
        "relabelled": prediction.relabelled,
        "reviewed_by": prediction.reviewed_by.get_username(),
        "reviewed_at": prediction.reviewed_at.isoformat(),
    }


def _query(request):
    """The list's query string without its cursor, for the links that keep the filters."""
    query = request.GET.copy()
    for key in ("after", "before"):
        query.pop(key, None)
    return query.urlencode()
