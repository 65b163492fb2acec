from datetime import timedelta

from django import template

from ml.reporting import compare_row

register = template.Library()


@register.filter
def seconds(value):
    """A duration (seconds or timedelta) for people: '45 s', '3 min 05 s', '2 h 07 min'."""
    if value in (None, ""):
        return ""
    total = int(round(value.total_seconds() if isinstance(value, timedelta) else float(value)))
    hours, rest = divmod(max(total, 0), 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min {secs:02d} s"
    return f"{secs} s"


@register.filter
def thousands(value):
    """1016226 -> '1,016,226' (numbers as the study's tables print them)."""
    return f"{value:,}" if isinstance(value, int) else value


@register.filter
def figure(metrics, heading):
    """The compare table's text for one column (ml.reporting.COMPARE_COLUMNS) of a run's metrics, so the
    job page's size and speeds are the compare page's figures: `{{ job.metrics|figure:"size MB" }}`."""
    return dict(compare_row(metrics or {}))[heading]


@register.filter
def percent(value):
    """A share for people: 0.0583 -> '5.8 %' ('—' for None)."""
    return "—" if value in (None, "") else f"{100 * float(value):.1f} %"
