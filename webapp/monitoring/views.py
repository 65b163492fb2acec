"""The staff monitoring page: one model version's live checks over a window (figures.report), drawn as
charts with the promotions marked, its score and input drift, and its accuracy on reviewed checks."""

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from webapp.accounts.auth import staff_required
from webapp.checker.models import ModelVersion
from webapp.monitoring import alerts, figures

DAYS = (1, 7, 30, 90)


@require_GET
@staff_required
def monitoring(request):
    try:
        version, days = figures.chosen(request.GET.get("model"), request.GET.get("days"))
    except LookupError as exc:
        raise Http404(str(exc)) from exc
    except ValueError as exc:
        context = {"error": str(exc), "versions": ModelVersion.objects.defer("metrics"), "day_choices": DAYS}
        return render(request, "monitoring/page.html", context, status=400)
    report = figures.report(version, days) if version else None
    context = {
        "versions": ModelVersion.objects.defer("metrics"),
        "version": version,
        "days": days,
        "day_choices": sorted({*DAYS, days}),
        "report": report,
        "alerts": alerts.crossed(version, report=report) if version else [],
        "minimum": figures.MIN_CHECKS,
    }
    return render(request, "monitoring/page.html", context)
