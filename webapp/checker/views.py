from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods, require_POST

from webapp import ratelimit
from webapp.checker import classify, flags
from webapp.checker import why as explaining
from webapp.checker.forms import CheckForm
from webapp.checker.models import ModelVersion, Prediction


@require_http_methods(["GET", "HEAD", "POST"])
def index(request):
    """The checker page. A plain form post renders the whole page; the page's script posts the same
    form with X-Requested-With: fetch and swaps in just the result fragment."""
    form = CheckForm(request.POST if request.method == "POST" else None)
    model = ModelVersion.current()
    context = {
        "form": form,
        "model": model,
        "max_length": classify.MAX_TEXT_LENGTH,
        # Whether this process has the model in memory: if not, the page says the first check loads it.
        "model_loaded": classify.active_model.holds(model),
    }
    status = 200
    if form.is_bound:
        status = _judge(request, form, context)
    fetch = request.headers.get("X-Requested-With") == "fetch"
    return render(request, "checker/_result.html" if fetch else "checker/index.html", context, status=status)


def _judge(request, form, context):
    """Fill the context with the verdict or the reason there is none; return the HTTP status."""
    if not form.is_valid():
        return 400
    context["retry_after"] = ratelimit.retry_after(request)
    if context["retry_after"]:
        return 429
    try:
        context["model"], [context["prediction"]] = classify.check([form.cleaned_data["text"]], Prediction.Source.PAGE)
    except classify.NoActiveModel:
        return 503
    except classify.ModelUnavailable:
        context["unavailable"] = True
        return 503
    except classify.PredictionFailed:
        context["failed"] = True
        return 500
    context["flag_token"] = flags.token_for(context["prediction"])
    return 200


@require_POST
def flag(request):
    """The "Is this wrong?" form under a verdict: the page's form (a thank-you page) or its script (JSON)."""
    status, message = _flag(request)
    if request.headers.get("X-Requested-With") == "fetch":
        return JsonResponse({"message": message} if status == 200 else {"error": message}, status=status)
    return render(request, "checker/flagged.html", {"message": message, "ok": status == 200}, status=status)


def _flag(request):
    wait = ratelimit.retry_after(request, "flag")
    if wait:
        return 429, f"Too many flags from your address. Try again in {wait} second{'s' if wait != 1 else ''}."
    try:
        flags.flag(request.POST.get("token", ""))
    except flags.FlagRefused as exc:
        return 403, str(exc)
    except flags.FlagNotFound as exc:
        return 404, str(exc)
    return 200, "Thank you: staff will look at this verdict again."


@require_POST
def why(request):
    """The "Why?" under a verdict: the words that pushed it, by the active model, for whoever was shown
    the verdict (its flag token). Counted as a check against the rate limit. The page's script gets
    JSON; without it, a page of its own."""
    status, answer = _why(request)
    if request.headers.get("X-Requested-With") == "fetch":
        return JsonResponse(answer.to_dict() if status == 200 else {"error": answer}, status=status)
    context = {"why": answer} if status == 200 else {"error": answer}
    return render(request, "checker/why.html", context, status=status)


def _why(request):
    """(200, a why.Why) or (status, the reason there is none)."""
    try:
        pk = flags.verify(request.POST.get("token", ""))
    except flags.FlagRefused as exc:
        return 403, str(exc)
    wait = ratelimit.retry_after(request)
    if wait:
        return 429, f"Too many checks from your address. Try again in {wait} second{'s' if wait != 1 else ''}."
    prediction = Prediction.objects.filter(pk=pk).first()
    if prediction is None:
        return 404, "This verdict is gone; check the comment again."
    try:
        [answer] = explaining.explain_predictions([prediction])
    except classify.NoActiveModel:
        return 503, "No model is active now, so nothing can explain this verdict."
    except classify.ModelUnavailable:
        return 503, "The active model cannot be loaded right now. Please try again later."
    except classify.PredictionFailed:
        return 500, "The model failed on this comment. Please try again."
    return 200, answer
