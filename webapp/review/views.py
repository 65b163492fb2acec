"""Staff review of stored predictions at /dashboard/predictions/: the filtered list with per-model
figures, review actions (one row, the ticked ones, or a text's group) and undo, one prediction's page
with its audit trail and previous/next in the list's order, the review queue, and the CSV export.

Reading needs checker.view_prediction, reviewing checker.review_prediction, exporting
checker.export_prediction (the Reviewers group has all three)."""

from collections import Counter
from urllib.parse import urlencode

from django.contrib import messages
from django.http import JsonResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from webapp.accounts.auth import permission_required
from webapp.checker import classify, why
from webapp.checker.models import HAS_TEXT, Prediction, PredictionReview
from webapp.review import actions, deletion, export, filters, summary

VIEW = "checker.view_prediction"
REVIEW = "checker.review_prediction"
CURSOR = ("after", "before")
QUEUE_ORDERS = {"uncertain": "most-uncertain", "newest": "newest"}
# The session keeps the queue this reviewer started (its filters and size then), for "41 of 123", and the
# prediction reviewed last from its page, for an undo to reopen that one rather than its group's first.
QUEUE_KEY, JUST_REVIEWED_KEY, SUMMARY_KEY = "review_queue", "review_just_reviewed", "review_queue_summary"


@require_GET
@permission_required(VIEW)
def predictions(request):
    form = filters.PredictionFilter(request.GET)
    context = {"form": form, "page": None, "summaries": [], "query": _query(request.GET), "labels": Prediction.Label}
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
    _count_same_texts(context["page"].rows)
    context["summaries"] = summary.per_model(form.queryset())
    context["queue_orders"] = QUEUE_ORDERS
    context["queue_summary"] = request.session.pop(SUMMARY_KEY, None)
    return render(request, "review/list.html", context)


@require_GET
@permission_required(VIEW)
def summary_fragment(request):
    """The list's "By model" table for these filters, which the list's script swaps in after each review."""
    form = filters.PredictionFilter(request.GET)
    if not form.is_valid():
        return JsonResponse({"error": form.first_error()}, status=400)
    return render(request, "review/_summary.html", {"summaries": summary.per_model(form.queryset())})


@require_GET
@permission_required(VIEW)
def queue(request):
    """The review queue: the list's filters, unreviewed only, most uncertain (`order=uncertain`, the
    default) or newest first; opens the first one's page, whose reviews then advance along the queue."""
    order = request.GET.get("order", "uncertain")
    if order not in QUEUE_ORDERS:
        return JsonResponse({"error": f"order: must be one of {', '.join(QUEUE_ORDERS)}"}, status=400)
    query = QueryDict(_query(request.GET), mutable=True)
    query.pop("order", None)
    query["reviewed"], query["sort"] = "no", QUEUE_ORDERS[order]
    form = filters.PredictionFilter(query)
    if not form.is_valid():
        return JsonResponse({"error": form.first_error()}, status=400)
    first = form.ordered().first()
    if first is None:
        messages.success(request, "Nothing is left to review with these filters.")
        return redirect(f"{reverse('predictions')}?{query.urlencode()}")
    request.session[QUEUE_KEY] = {
        "query": query.urlencode(),
        "total": form.ordered().count(),
        "started": timezone.now().isoformat(),
    }
    return redirect(_page_of(first.pk, query.urlencode()))


@require_GET
@permission_required(VIEW)
def prediction_detail(request, prediction_id):
    prediction = get_object_or_404(Prediction.objects.select_related("model_version", "reviewed_by"), pk=prediction_id)
    query = _query(request.GET)
    form = filters.PredictionFilter(QueryDict(query))
    previous, following = form.neighbours(prediction) if form.is_valid() else (None, None)
    same_text = prediction.same_text().exclude(pk=prediction.pk)
    context = {
        "prediction": prediction,
        "reviews": prediction.reviews.select_related("reviewer", "undoes"),
        "query": query,
        "in_queue": form.is_valid() and form.cleaned_data.get("reviewed") == "no",
        "sort": form.cleaned_data["sort"].replace("-", " ") if form.is_valid() else None,
        "previous": previous,
        "next": following,
        "progress": _progress(request, form, query),
        "same_text_count": same_text.count(),
        "same_text_ids": list(same_text.order_by("-created", "-id").values_list("pk", flat=True)[:20]),
    }
    context["why"], context["why_error"] = _why(prediction)
    return render(request, "review/detail.html", context)


WHY_ROWS = 100  # the most rows one list page asks to explain


@require_POST
@permission_required("checker.delete_prediction")
def delete_prediction(request, prediction_id):
    """Delete the prediction (with `same_text`, every one of its text), audited; without `confirm`, the
    question first."""
    prediction = get_object_or_404(Prediction, pk=prediction_id)
    same_text = bool(request.POST.get("same_text"))
    if request.POST.get("confirm") != "yes":
        count = prediction.same_text().count() if same_text else 1
        context = {"prediction": prediction, "same_text": same_text, "count": count}
        return render(request, "review/confirm_delete.html", context)
    try:
        audit = deletion.delete(prediction, request.user, same_text)
    except deletion.TooMany as exc:
        messages.error(request, f"Nothing deleted: {exc}.")
        return redirect("prediction", prediction_id=prediction.pk)
    deleted = len(audit.prediction_ids)
    messages.success(request, f"Deleted {deleted} stored prediction{'s' if deleted != 1 else ''} (audited).")
    return redirect("predictions")


@require_GET
@permission_required(VIEW)
def why_rows(request):
    """The words behind the verdicts of the list's rows (?ids=1,2,3), computed now by the active model
    in one call and stored nowhere: {"rows": {id: why.Why.to_dict()}}, which the list's script draws."""
    try:
        ids = [int(pk) for pk in request.GET.get("ids", "").split(",") if pk]
    except ValueError:
        return JsonResponse({"error": "ids: prediction ids separated by commas"}, status=400)
    if not 1 <= len(ids) <= WHY_ROWS:
        return JsonResponse({"error": f"ids: give 1 to {WHY_ROWS} prediction ids"}, status=400)
    rows = list(Prediction.objects.filter(HAS_TEXT, pk__in=ids))  # no text: no words
    if not rows:
        return JsonResponse({"rows": {}})
    answers, error = _explained(rows, "these verdicts")
    if error:
        return JsonResponse({"error": error}, status=503)
    return JsonResponse({"rows": {row.pk: answer.to_dict() for row, answer in zip(rows, answers, strict=True)}})


def _why(prediction):
    """(the words that pushed the verdict, computed now by the active model, None) or (None, why not)."""
    if not prediction.has_text:
        return None, "Its text was removed, so nothing can explain this verdict now."
    answers, error = _explained([prediction], "this verdict")
    return (answers[0], None) if answers else (None, error)


def _explained(predictions, what):
    """(a why.Why per prediction, None), or (None, why the active model cannot explain `what` now)."""
    try:
        return why.explain_predictions(predictions), None
    except classify.NoActiveModel:
        return None, f"No model is active, so nothing can explain {what} now."
    except (classify.ModelUnavailable, classify.PredictionFailed):
        return None, f"The active model could not explain {what} now."


@require_POST
@permission_required(REVIEW)
def review_selected(request):
    """A row's button (`row` = "<id>:<action>") or a bulk button (`action`) on the ticked `ids`.
    From a prediction's page: `same_text` labels every prediction of its text, and `advance` goes on
    to the next prediction in the order of `query` (the list's filters) once the review is saved."""
    if request.POST.get("row"):
        pk, _, action = request.POST["row"].partition(":")
        ids = [pk]
    else:
        ids, action = request.POST.getlist("ids"), request.POST.get("action", "")
    try:
        ids = actions.review(ids, request.user, action, same_text=bool(request.POST.get("same_text")))
    except actions.ReviewError as exc:
        return _answer(request, error=str(exc))
    message = f"{len(ids)} prediction{'s' if len(ids) != 1 else ''} reviewed."
    if request.POST.get("advance") and request.POST.get("row"):
        messages.success(request, message)
        request.session[JUST_REVIEWED_KEY] = int(pk)
        following = _after(int(pk), request.POST.get("query", ""))
        if following.startswith(reverse("predictions")):  # the end of the queue (or of the list)
            request.session[SUMMARY_KEY] = _summary(request)
        return redirect(following)
    return _answer(request, ids=ids, message=message)


@require_POST
@permission_required(REVIEW)
def undo(request):
    """Undo this reviewer's last review, then show the (first) prediction it restored, in `query`'s order."""
    try:
        ids = actions.undo_last(request.user)
    except actions.ReviewError as exc:
        return _answer(request, error=str(exc))
    message = f"Undid your last review of {len(ids)} prediction{'s' if len(ids) != 1 else ''}."
    messages.success(request, message)
    just_reviewed = request.session.pop(JUST_REVIEWED_KEY, None)
    return redirect(_page_of(just_reviewed if just_reviewed in ids else ids[0], request.POST.get("query", "")))


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


def _summary(request):
    """What this reviewer did since starting the queue: how many reviewed, how many corrected and how."""
    started = (request.session.get(QUEUE_KEY) or {}).get("started")
    if started is None:
        return None
    rows = PredictionReview.objects.filter(reviewer=request.user, created__gte=started, undone_by__isnull=True)
    rows = rows.exclude(action=PredictionReview.Action.UNDO)
    changes = Counter((row.previous_label, row.label) for row in rows if row.previous_label != row.label)
    return {
        "reviewed": rows.values("prediction").distinct().count(),
        "corrected": sum(changes.values()),
        "changes": [f"{count} {before} → {after}" for (before, after), count in changes.most_common()],
    }


def _progress(request, form, query):
    """(position, total) in the review queue that this reviewer started with these filters: the predictions
    reviewed since it started, plus one, of those it held then; None outside the queue."""
    started = request.session.get(QUEUE_KEY) or {}
    if not form.is_valid() or form.cleaned_data.get("reviewed") != "no" or started.get("query") != query:
        return None
    total = started["total"]
    return min(total - form.ordered().count() + 1, total), total


def _after(prediction_id, query):
    """The page to review after `prediction_id`: in the queue (unreviewed only), the top of the queue in
    its order, so nothing skipped is left behind; elsewhere the next in `query`'s order. At the end, the list."""
    form = filters.PredictionFilter(QueryDict(query))
    if form.is_valid() and form.cleaned_data.get("reviewed") == "no":
        top = form.ordered().first()
        return _page_of(top.pk, query) if top else f"{reverse('predictions')}?{query}"
    prediction = Prediction.objects.filter(pk=prediction_id).first()
    following = form.neighbours(prediction)[1] if form.is_valid() and prediction else None
    return _page_of(following.pk, query) if following else f"{reverse('predictions')}?{query}"


def _page_of(prediction_id, query):
    return f"{reverse('prediction', args=[prediction_id])}?{query}"


def _answer(request, ids=(), message="", error=""):
    """JSON for the page's script, else a redirect back to the page the form came from."""
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
        "reviewed_label_display": prediction.get_reviewed_label_display(),
        "final_label": prediction.final_label,
        "relabelled": prediction.relabelled,
        "reviewed_by": prediction.reviewed_by.get_username() if prediction.reviewed_by else "",
        "reviewed_at": prediction.reviewed_at.isoformat() if prediction.reviewed_at else "",
    }


def _count_same_texts(rows):
    """Set `same_text_count` (predictions of the same text, itself included) on each row: one query."""
    counts = summary.same_text_counts({row.text for row in rows if row.text_kept})
    digests = summary.same_text_counts({row.text_digest for row in rows if not row.text_kept}, "text_digest")
    for row in rows:
        if not row.text_kept:
            row.same_text_count = digests.get(row.text_digest, 1)
        else:
            row.same_text_count = 1 if row.text_removed_at else counts.get(row.text, 1)


def _query(params):
    """The list's query string without its cursor, for the links that keep the filters."""
    return urlencode([(key, value) for key, values in params.lists() for value in values if key not in CURSOR])
