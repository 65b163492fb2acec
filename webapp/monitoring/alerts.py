"""Monitoring alerts (issue 25): the active version's last TOXILAB_MONITOR_DAYS days against limits in
settings, judged by the worker's check_alerts task (sent by celery beat every MONITOR_REFRESH_S
seconds) and whenever the monitoring page or API is read. A crossed limit is an Alert row from the
first time it is seen crossed, when it is logged (once), until it is seen clear; the site header shows
the active version's rows to staff (one query) and the monitoring page says what each means. No
e-mail. While the worker runs a training job the task waits its turn, so the header can lag by the
job's length.

- toxic_share: the share called toxic moved by more than TOXILAB_ALERT_TOXIC_SHARE_CHANGE points
  against the window before it (both windows need figures.MIN_CHECKS checks);
- flags: more than TOXILAB_ALERT_FLAGS_PER_1000 flags per thousand checks (MIN_CHECKS checks);
- drift: the score drift's PSI over TOXILAB_ALERT_DRIFT_PSI (figures.score_drift).
"""

import logging

from django.conf import settings
from django.utils.functional import SimpleLazyObject

from webapp.checker.models import ModelVersion
from webapp.monitoring import figures, rollups
from webapp.monitoring.models import Alert

log = logging.getLogger(__name__)
KEEP_DAYS = 90  # the longest window the monitoring page offers


def crossed(version, days=None, report=None):
    """The limits `version` crosses over the last `days` (default TOXILAB_MONITOR_DAYS) days, as
    [{"kind", "value", "limit", "message"}]; its Alert rows follow (a new one is logged once). A
    `report` (figures.report) of the default window saves computing the figures again."""
    days = days or settings.TOXILAB_MONITOR_DAYS
    if report is None or report["days"] != days:
        report = figures.report(version, days)
    now, before, drift = report["total"], report["previous"], report["score_drift"]
    found = []
    if now["checks"] >= figures.MIN_CHECKS and before["checks"] >= figures.MIN_CHECKS:
        moved = 100 * (now["toxic_share"] - before["toxic_share"])
        if abs(moved) > settings.TOXILAB_ALERT_TOXIC_SHARE_CHANGE:
            message = f"the share called toxic moved {moved:+.1f} points against the {days} days before"
            found.append(_alert("toxic_share", moved, settings.TOXILAB_ALERT_TOXIC_SHARE_CHANGE, message))
    if now["checks"] >= figures.MIN_CHECKS and now["flags_per_1000"] > settings.TOXILAB_ALERT_FLAGS_PER_1000:
        message = f"{now['flags_per_1000']:.1f} flags per thousand checks"
        found.append(_alert("flags", now["flags_per_1000"], settings.TOXILAB_ALERT_FLAGS_PER_1000, message))
    if drift["psi"] is not None and drift["psi"] > settings.TOXILAB_ALERT_DRIFT_PSI:
        message = f"its scores drifted from its test comments' (PSI {drift['psi']:.2f})"
        found.append(_alert("drift", drift["psi"], settings.TOXILAB_ALERT_DRIFT_PSI, message))
    _keep(version, found)
    return found


def _alert(kind, value, limit, message):
    return {"kind": kind, "value": round(value, 4), "limit": limit, "message": message}


def _keep(version, found):
    kinds = {alert["kind"] for alert in found}
    Alert.objects.filter(model_version=version).exclude(kind__in=kinds).delete()
    for alert in found:
        _, new = Alert.objects.get_or_create(
            model_version=version,
            kind=alert["kind"],
            defaults={"value": alert["value"], "limit": alert["limit"], "message": alert["message"]},
        )
        if new:
            log.warning("monitoring alert on model %r: %s (limit %g)", version.name, alert["message"], alert["limit"])


def refresh():
    """Judge the active version's limits now (the beat task's body, every MONITOR_REFRESH_S seconds), having
    counted its ended days of the last KEEP_DAYS that were not yet; returns its crossed alerts ([]
    without an active version)."""
    version = ModelVersion.current()
    if version is None:
        return []
    rollups.keep(version, KEEP_DAYS)
    return crossed(version)


def context(request):
    """Template context processor: `monitoring_alerts` for staff, the active version's Alert rows as
    the last judgement left them (one query, only if a template reads it)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_staff:
        return {"monitoring_alerts": []}
    return {"monitoring_alerts": SimpleLazyObject(lambda: list(Alert.objects.filter(model_version__active=True)))}
