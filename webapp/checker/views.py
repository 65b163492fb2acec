from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from webapp import ratelimit
from webapp.checker import classify
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
    if model is None:  # no model can answer: the form is disabled until one can
        form.fields["text"].widget.attrs["disabled"] = True
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
    return 200
