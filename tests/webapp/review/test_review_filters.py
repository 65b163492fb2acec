"""The review list's filters, their combinations, sorting and seek pagination over 30,000 stored
predictions on PostgreSQL, checked against the same rules applied in Python; bounded queries."""

from datetime import timedelta

import pytest
from django.utils import timezone

from webapp.review import filters
from webapp.review.uncertainty import DEFAULT_THRESHOLD

# The list's queries at most, whatever the page's depth (8, one since it counts the page's duplicate texts, and one
# for the header's monitoring alerts).
LIST_QUERIES = 10

pytestmark = pytest.mark.usefixtures("db")


def expected(rows, sort="newest", **rules):
    """What the list must show, computed in Python from the rows themselves."""
    today = timezone.localdate()
    checks = {
        "label": lambda p, v: p.label == v,
        "min_probability": lambda p, v: p.toxic_probability >= v,
        "max_probability": lambda p, v: p.toxic_probability <= v,
        "model": lambda p, v: p.model_version_id == v,
        "source": lambda p, v: p.source == v,
        "since_days": lambda p, v: timezone.localdate(p.created) >= today - timedelta(days=v),
        "q": lambda p, v: v.lower() in p.text.lower(),
    }
    kept = [p for p in rows if all(checks[name](p, value) for name, value in rules.items())]
    field, descending = filters.SORTS[sort]
    computed = {"uncertainty": lambda p: abs(p.toxic_probability - DEFAULT_THRESHOLD)}  # no version has its own
    value = computed.get(field, lambda p: getattr(p, field))
    return sorted(kept, key=lambda p: (value(p), p.pk), reverse=descending)


def ids(response):
    return [p.pk for p in response.context["page"].rows]


@pytest.mark.parametrize(
    "rules",
    [
        {},
        {"label": "toxic"},
        {"min_probability": 0.2, "max_probability": 0.35},
        {"source": "page"},
        {"q": "IDIOT stupid"},
        {"label": "non-toxic", "source": "api", "max_probability": 0.3, "since_days": 10},
    ],
)
def test_each_filter_and_their_combinations_show_exactly_the_matching_rows_newest_first(
    staff_client, volume, rules, django_assert_max_num_queries
):
    versions, rows = volume
    query = {k: v for k, v in rules.items() if k != "since_days"}
    if "since_days" in rules:
        query["since"] = (timezone.localdate() - timedelta(days=rules["since_days"])).isoformat()

    with django_assert_max_num_queries(LIST_QUERIES):
        response = staff_client.get("/dashboard/predictions/", query)

    want = expected(rows, **rules)
    assert response.status_code == 200
    assert ids(response) == [p.pk for p in want[: filters.PAGE_SIZE]]
    assert response.context["page"].count == min(len(want), filters.COUNT_CAP + 1)


def test_the_model_filter_and_the_per_model_summary_agree_with_the_rows(staff_client, volume):
    versions, rows = volume
    response = staff_client.get("/dashboard/predictions/", {"model": versions[1].pk, "label": "toxic"})

    want = expected(rows, model=versions[1].pk, label="toxic")
    assert ids(response) == [p.pk for p in want[: filters.PAGE_SIZE]]
    (only,) = response.context["summaries"]
    assert (only.model_name, only.predictions, only.toxic_share) == ("bulk-2", len(want), 1.0)


@pytest.mark.parametrize("sort", list(filters.SORTS))
def test_walking_every_page_forwards_then_backwards_visits_each_row_once_in_order(staff_client, volume, sort):
    _, rows = volume
    rules = {"min_probability": 0.40, "max_probability": 0.43, "source": "page"}  # ~250 rows, 5 pages
    want = [p.pk for p in expected(rows, sort=sort, **rules)]
    seen, pages, query = [], [], {**rules, "sort": sort}
    cursor = {}
    while True:
        page = staff_client.get("/dashboard/predictions/", {**query, **cursor}).context["page"]
        pages.append([p.pk for p in page.rows])
        seen += pages[-1]
        if not page.next_cursor:
            break
        cursor = {"after": page.next_cursor}
    assert seen == want and len(pages) > 2

    back = []
    while page.previous_cursor:
        page = staff_client.get("/dashboard/predictions/", {**query, "before": page.previous_cursor}).context["page"]
        back.append([p.pk for p in page.rows])
    assert back == pages[-2::-1], "previous pages are the same pages, in reverse order"


def test_the_count_stops_at_the_cap_instead_of_counting_every_row(staff_client, volume):
    page = staff_client.get("/dashboard/predictions/").context["page"]
    assert page.count == filters.COUNT_CAP + 1 and page.count_text == "10,000+"
    assert "10,000+ matching predictions" in staff_client.get("/dashboard/predictions/").content.decode()


def test_a_deep_page_costs_the_same_few_queries_as_the_first(staff_client, volume, django_assert_max_num_queries):
    _, rows = volume
    deep = expected(rows)[20_000]
    cursor = filters.encode_cursor(deep, "created")
    with django_assert_max_num_queries(LIST_QUERIES):
        page = staff_client.get("/dashboard/predictions/", {"after": cursor}).context["page"]
    assert [p.pk for p in page.rows] == [p.pk for p in expected(rows)[20_001 : 20_001 + filters.PAGE_SIZE]]
