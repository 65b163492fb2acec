"""The review queue on PostgreSQL: unreviewed predictions one at a time, most uncertain first (nearest
their model's serving threshold) or newest first; a prediction's page has review buttons and
previous/next in the order of the list it came from, and each review goes on to the next."""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from django.utils import timezone

from webapp.checker.models import Prediction
from webapp.review import uncertainty


def opened(response):
    """The prediction id and query string of a redirect to a prediction's page."""
    assert response.status_code == 302, response.content
    url = urlsplit(response["Location"])
    assert url.path.startswith("/dashboard/predictions/") and url.path.rstrip("/").split("/")[-1].isdigit()
    return int(url.path.rstrip("/").split("/")[-1]), url.query


def walk(client, first_location):
    """Follow `next` from the page at `first_location` to the end; the ids seen, in order."""
    seen, location = [], first_location
    while location:
        page = client.get(location)
        seen.append(page.context["prediction"].pk)
        following = page.context["next"]
        location = f"/dashboard/predictions/{following.pk}/?{page.context['query']}" if following else None
    return seen


def test_the_queue_opens_the_unreviewed_prediction_nearest_the_threshold_and_walks_them_in_that_order(
    staff_client, staff, make_prediction
):
    probabilities = [0.97, 0.52, 0.05, 0.41, 0.66, 0.49]
    rows = {p: make_prediction(f"text {p}", probability=p) for p in probabilities}
    Prediction.objects.filter(pk=rows[0.49].pk).update(
        reviewed_label="toxic", reviewed_by=staff, reviewed_at=timezone.now()
    )

    response = staff_client.get("/dashboard/predictions/queue/", {"order": "uncertain"})

    pk, query = opened(response)
    assert pk == rows[0.52].pk, "0.49 is nearer 0.5 but already reviewed"
    assert parse_qs(query) == {"reviewed": ["no"], "sort": ["most-uncertain"]}
    assert walk(staff_client, response["Location"]) == [rows[p].pk for p in (0.52, 0.41, 0.66, 0.05, 0.97)]


def test_most_uncertain_reads_each_models_own_serving_threshold(staff_client, make_prediction, versions, monkeypatch):
    strict = versions[1]
    monkeypatch.setattr(
        uncertainty,
        "serving_threshold",
        lambda version: 0.9 if version.pk == strict.pk else uncertainty.DEFAULT_THRESHOLD,
    )
    near_half = make_prediction("a", probability=0.45)
    near_strict = make_prediction("b", probability=0.88, version=strict)
    far = make_prediction("c", probability=0.5, version=strict)

    first = staff_client.get("/dashboard/predictions/queue/", {"order": "uncertain"})
    assert walk(staff_client, first["Location"]) == [near_strict.pk, near_half.pk, far.pk]


def test_serving_threshold_is_the_versions_own_where_it_has_one_else_one_half(versions):
    assert uncertainty.serving_threshold(versions[0]) == 0.5
    versions[0].threshold = 0.7  # as ModelVersion.threshold will read
    assert uncertainty.serving_threshold(versions[0]) == 0.7


def test_newest_first_and_the_lists_filters_carry_into_the_queue(staff_client, make_prediction):
    now = timezone.now()
    old, new, newer = (make_prediction("zebra", created=now - timedelta(minutes=m)) for m in (30, 20, 10))
    make_prediction("other", created=now)

    response = staff_client.get("/dashboard/predictions/queue/", {"order": "newest", "q": "zebra", "sort": "oldest"})

    pk, query = opened(response)
    assert pk == newer.pk and parse_qs(query)["sort"] == ["newest"] and parse_qs(query)["q"] == ["zebra"]
    assert walk(staff_client, response["Location"]) == [newer.pk, new.pk, old.pk]


def test_a_review_from_the_queue_saves_then_opens_the_next_unreviewed_one(staff_client, staff, make_prediction):
    first, second, third = (make_prediction(f"t{n}", probability=p) for n, p in enumerate((0.5, 0.6, 0.8)))
    _, query = opened(staff_client.get("/dashboard/predictions/queue/"))

    response = staff_client.post(
        "/dashboard/predictions/review/", {"row": f"{first.pk}:toxic", "advance": "1", "query": query}
    )

    assert opened(response) == (second.pk, query)
    first.refresh_from_db()
    assert (first.reviewed_label, first.reviewed_by) == ("toxic", staff)
    page = staff_client.get(response["Location"])
    assert page.context["previous"] is None, "the reviewed one has left the queue of unreviewed ones"
    assert page.context["next"].pk == third.pk
    assert "1 prediction reviewed." in page.content.decode()


def test_at_the_end_of_the_queue_the_list_says_nothing_is_left(staff_client, make_prediction):
    only = make_prediction("last one")
    _, query = opened(staff_client.get("/dashboard/predictions/queue/"))
    end = staff_client.post(
        "/dashboard/predictions/review/", {"row": f"{only.pk}:confirm", "advance": "1", "query": query}
    )
    assert end.status_code == 302 and end["Location"] == f"/dashboard/predictions/?{query}"

    empty = staff_client.get("/dashboard/predictions/queue/", follow=True)
    assert "Nothing is left to review with these filters." in empty.content.decode()


def test_a_predictions_page_has_review_buttons_and_previous_next_in_the_lists_order(staff_client, make_prediction):
    low, mid, high = (make_prediction(f"p{p}", probability=p) for p in (0.1, 0.5, 0.9))

    page = staff_client.get(f"/dashboard/predictions/{mid.pk}/", {"sort": "most-toxic"})
    html = page.content.decode()

    assert (page.context["previous"].pk, page.context["next"].pk) == (high.pk, low.pk)
    assert f'value="{mid.pk}:toxic" data-key="t"' in html and f'value="{mid.pk}:non-toxic" data-key="n"' in html
    assert f'value="{mid.pk}:confirm" data-key="c"' in html and 'data-key="u"' in html
    assert f'href="/dashboard/predictions/{low.pk}/?sort=most-toxic"' in html
    plain = staff_client.get(f"/dashboard/predictions/{mid.pk}/")
    assert (plain.context["previous"].pk, plain.context["next"].pk) == (high.pk, low.pk), "newest first by default"


def test_an_unknown_queue_order_is_a_400_naming_it(staff_client, db):
    response = staff_client.get("/dashboard/predictions/queue/", {"order": "random"})
    assert response.status_code == 400 and response.json()["error"].startswith("order:")
