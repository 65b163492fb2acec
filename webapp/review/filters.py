"""The review list's filters and its seek pagination, shared by the page, the CSV export and the API.

Pages are cut by seeking, not by OFFSET: a page's cursor is the sort value and id of its last (or
first) row, and the next page is `WHERE (sort, id) beyond the cursor ORDER BY sort, id LIMIT n`,
an index range scan whatever the page's depth. The number of matching rows is counted up to
COUNT_CAP only, so a page over millions of predictions never counts them all.
"""

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django import forms
from django.core.validators import MaxValueValidator
from django.db.models import F, Q
from django.utils import timezone

from webapp.checker.models import ModelVersion, Prediction
from webapp.review.uncertainty import distance_to_threshold

PAGE_SIZE = 50
COUNT_CAP = 10_000
# sort name -> (field, descending); ties are broken by id in the same direction.
SORTS = {
    "newest": ("created", True),
    "oldest": ("created", False),
    "most-toxic": ("toxic_probability", True),
    "least-toxic": ("toxic_probability", False),
    # |probability - the version's serving threshold|, nearest first (webapp/review/uncertainty.py)
    "most-uncertain": ("uncertainty", False),
}
ANNOTATIONS = {"uncertainty": distance_to_threshold}
ISO_DAY = {"placeholder": "YYYY-MM-DD", "pattern": r"\d{4}-\d{2}-\d{2}", "inputmode": "numeric", "size": 10}
# `until` is inclusive: the filter ends at the next midnight, which the last day Python knows has none.
LAST_DAY = date.max - timedelta(days=1)
REVIEWED = {"yes": "reviewed", "no": "not reviewed", "relabelled": "relabelled by a reviewer"}
FLAGGED = {"yes": "flagged wrong by users", "no": "not flagged"}


def iso_date_field(label):
    """An optional YYYY-MM-DD day. A text field, not type=date: browsers show a date field in their own
    locale (mm/dd/yyyy)."""
    return forms.DateField(
        required=False,
        label=label,
        validators=[MaxValueValidator(LAST_DAY)],
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(format="%Y-%m-%d", attrs=ISO_DAY),
    )


class PredictionFilter(forms.Form):
    """Query parameters of /dashboard/predictions/, its export.csv, and GET /api/v1/predictions."""

    q = forms.CharField(required=False, max_length=200, label="text contains", strip=True)
    label = forms.ChoiceField(
        required=False, label="model verdict", choices=[("", "any verdict"), *Prediction.Label.choices]
    )
    min_probability = forms.FloatField(
        required=False,
        min_value=0,
        max_value=1,
        label="toxic probability from",
        widget=forms.NumberInput(attrs={"step": "any"}),
    )
    max_probability = forms.FloatField(
        required=False, min_value=0, max_value=1, label="to", widget=forms.NumberInput(attrs={"step": "any"})
    )
    model = forms.ModelChoiceField(queryset=ModelVersion.objects.all(), required=False, empty_label="any model")
    source = forms.ChoiceField(required=False, choices=[("", "page and API"), *Prediction.Source.choices])
    since = iso_date_field("from date")
    until = iso_date_field("to date (inclusive)")
    reviewed = forms.ChoiceField(required=False, choices=[("", "reviewed or not"), *REVIEWED.items()])
    flagged = forms.ChoiceField(required=False, choices=[("", "flagged or not"), *FLAGGED.items()])
    sort = forms.ChoiceField(required=False, choices=[(name, name.replace("-", " ")) for name in SORTS])
    # the checks where a version in shadow (this ShadowRun's id) disagreed with the served verdict
    shadow = forms.IntegerField(required=False, min_value=1, label="disagreements of shadow run #")

    def clean(self):
        data = super().clean()
        low, high = data.get("min_probability"), data.get("max_probability")
        if low is not None and high is not None and low > high:
            self.add_error("max_probability", "must not be below the lower bound")
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", "must not be before the start date")
        data["sort"] = data.get("sort") or "newest"
        return data

    def first_error(self):
        """'field: message' of the first error, as the API reports it."""
        field, errors = next(iter(self.errors.items()))
        return f"{field}: {errors[0]}" if field != "__all__" else errors[0]

    def queryset(self):
        """The matching predictions, unordered (page() and the export order them)."""
        data = self.cleaned_data
        rows = Prediction.objects.all()
        if data.get("q"):
            rows = rows.filter(text__icontains=data["q"])
        for field, lookup in (
            ("label", "label"),
            ("model", "model_version"),
            ("source", "source"),
            ("min_probability", "toxic_probability__gte"),
            ("max_probability", "toxic_probability__lte"),
        ):
            if data.get(field) not in (None, ""):
                rows = rows.filter(**{lookup: data[field]})
        if data.get("since"):
            rows = rows.filter(created__gte=_day_start(data["since"]))
        if data.get("until"):
            rows = rows.filter(created__lt=_day_start(data["until"] + timedelta(days=1)))
        if data.get("flagged"):
            rows = rows.filter(first_flagged_at__isnull=data["flagged"] == "no")
        if data.get("shadow"):
            rows = rows.filter(shadow_verdicts__run=data["shadow"], shadow_verdicts__agrees=False)
        return sortable(_reviewed(rows, data.get("reviewed")), data["sort"])

    def ordered(self):
        field, descending = SORTS[self.cleaned_data["sort"]]
        sign = "-" if descending else ""
        return self.queryset().order_by(f"{sign}{field}", f"{sign}id")

    def neighbours(self, prediction):
        """(previous, next): the matches just before and after `prediction` in this order, None at an end.
        `prediction` itself need not match: a queue of unreviewed ones goes on from one just reviewed."""
        sort = self.cleaned_data["sort"]
        field, descending = SORTS[sort]
        cursor = (getattr(sortable(Prediction.objects.filter(pk=prediction.pk), sort).get(), field), prediction.pk)
        matches = self.queryset()
        sign = "-" if descending else ""
        back = "" if descending else "-"
        after = matches.filter(_beyond(field, cursor, forwards=descending)).order_by(f"{sign}{field}", f"{sign}id")
        before = matches.filter(_beyond(field, cursor, forwards=not descending)).order_by(f"{back}{field}", f"{back}id")
        return before.first(), after.first()


def sortable(rows, sort):
    """`rows` with the value that `sort` orders by, when that is computed rather than a column."""
    field = SORTS[sort][0]
    return rows.annotate(**{field: ANNOTATIONS[field]()}) if field in ANNOTATIONS else rows


def _reviewed(rows, which):
    if which == "yes":
        return rows.filter(reviewed_at__isnull=False)
    if which == "no":
        return rows.filter(reviewed_at__isnull=True)
    if which == "relabelled":
        return rows.filter(reviewed_at__isnull=False).exclude(reviewed_label=F("label"))
    return rows


def _day_start(day):
    """Midnight of `day` in the site's time zone."""
    return timezone.make_aware(datetime.combine(day, time.min))


class BadCursor(ValueError):
    pass


@dataclass
class Page:
    rows: list
    next_cursor: str | None
    previous_cursor: str | None
    count: int  # matching rows, up to COUNT_CAP + 1
    sort: str

    @property
    def count_capped(self):
        return self.count > COUNT_CAP

    @property
    def count_text(self):
        return f"{COUNT_CAP:,}+" if self.count_capped else f"{self.count:,}"


def page(form, after=None, before=None, size=PAGE_SIZE, rows=None):
    """One page of `form`'s matches: the first, the one after cursor `after`, or the one before `before`.

    Three queries at most: the rows (+ one more to know whether there is a next page), the capped
    count, and whatever `rows` (a queryset of the matches, e.g. with select_related) adds.
    """
    sort = form.cleaned_data["sort"]
    field, descending = SORTS[sort]
    matches = form.queryset() if rows is None else rows
    backwards = before is not None
    cursor = decode_cursor(before if backwards else after, field)
    listing = matches
    if cursor is not None:
        listing = listing.filter(_beyond(field, cursor, forwards=descending != backwards))
    sign = "-" if descending != backwards else ""
    found = list(listing.order_by(f"{sign}{field}", f"{sign}id")[: size + 1])
    more = len(found) > size
    found = found[:size]
    if backwards:
        found.reverse()
    has_next = (more and not backwards) or (backwards and bool(found))
    has_previous = (more if backwards else cursor is not None) and bool(found)
    count = matches.order_by()[: COUNT_CAP + 1].count()
    return Page(
        rows=found,
        sort=sort,
        count=count,
        next_cursor=encode_cursor(found[-1], field) if has_next else None,
        previous_cursor=encode_cursor(found[0], field) if has_previous else None,
    )


def _beyond(field, cursor, forwards):
    """Rows after (value, id) in descending order when `forwards`, else in ascending order. Written
    as `field <= value AND (field < value OR id < pk)` so the index range starts at the cursor."""
    value, pk = cursor
    if forwards:
        return Q(**{f"{field}__lte": value}) & (Q(**{f"{field}__lt": value}) | Q(id__lt=pk))
    return Q(**{f"{field}__gte": value}) & (Q(**{f"{field}__gt": value}) | Q(id__gt=pk))


def encode_cursor(row, field):
    value = getattr(row, field)
    value = value.isoformat() if isinstance(value, datetime) else value
    return base64.urlsafe_b64encode(json.dumps([value, row.pk]).encode()).decode().rstrip("=")


def decode_cursor(token, field):
    if not token:
        return None
    try:
        value, pk = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        if field == "created":
            value = datetime.fromisoformat(value)
        elif not isinstance(value, (int, float)):
            raise TypeError(value)
        return value, int(pk)
    except (ValueError, TypeError, binascii.Error) as exc:
        raise BadCursor("not a cursor of this list; start again from the first page") from exc
