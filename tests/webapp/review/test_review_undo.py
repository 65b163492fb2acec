"""Undo of a reviewer's last review: the labels before come back, the audit trail only grows (an "undo"
row naming the review undone), undoing again goes one review further back, and an undo that would
discard someone else's later review is refused with nothing changed."""

from webapp.checker.models import Prediction
from webapp.review import actions


def state(prediction):
    prediction.refresh_from_db()
    return prediction.reviewed_label, prediction.reviewed_by, prediction.reviewed_at


def trail(prediction):
    return [
        (r.reviewer.username, r.action, r.previous_label, r.label) for r in prediction.reviews.order_by("created", "id")
    ]


def test_undo_restores_the_previous_review_and_adds_an_undo_row(staff, make_prediction, django_user_model):
    other = django_user_model.objects.create_user("cy", is_staff=True)
    prediction = make_prediction(label="toxic")
    actions.review([prediction.pk], other, "non-toxic")
    before = state(prediction)
    actions.review([prediction.pk], staff, "toxic")

    assert actions.undo_last(staff) == [prediction.pk]

    assert state(prediction) == before == ("non-toxic", other, before[2])
    assert trail(prediction) == [
        ("cy", "relabel", "toxic", "non-toxic"),
        ("ada", "relabel", "non-toxic", "toxic"),
        ("ada", "undo", "toxic", "non-toxic"),
    ]
    undo_row = prediction.reviews.get(action="undo")
    assert undo_row.undoes == prediction.reviews.get(reviewer=staff, action="relabel")


def test_undoing_twice_goes_back_to_no_review_at_all_and_then_there_is_nothing_left(staff, make_prediction):
    first, second = make_prediction("one", label="toxic"), make_prediction("two", label="non-toxic")
    actions.review([first.pk], staff, "non-toxic")
    actions.review([second.pk], staff, "confirm")

    assert actions.undo_last(staff) == [second.pk]
    assert actions.undo_last(staff) == [first.pk]

    assert state(first) == state(second) == ("", None, None)
    assert [row[1] for row in trail(first)] == ["relabel", "undo"]
    assert [row[1] for row in trail(second)] == ["confirm", "undo"]
    try:
        actions.undo_last(staff)
    except actions.NothingToUndo as exc:
        assert str(exc) == "you have no review left to undo"
    else:
        raise AssertionError("a third undo had nothing to take back")


def test_undo_takes_back_a_whole_bulk_review_at_once(staff, make_prediction):
    rows = [make_prediction(f"c{n}", label="toxic") for n in range(3)]
    actions.review([p.pk for p in rows], staff, "non-toxic")

    assert actions.undo_last(staff) == sorted(p.pk for p in rows)
    assert all(state(p) == ("", None, None) for p in rows)
    assert all(p.reviews.filter(action="undo").count() == 1 for p in rows)


def test_undo_is_refused_when_someone_reviewed_the_prediction_since(staff, make_prediction, django_user_model):
    other = django_user_model.objects.create_user("cy", is_staff=True)
    prediction = make_prediction(label="toxic")
    actions.review([prediction.pk], staff, "non-toxic")
    actions.review([prediction.pk], other, "toxic")
    after_other = state(prediction)

    try:
        actions.undo_last(staff)
    except actions.ReviewedSince as exc:
        assert str(exc) == f"prediction {prediction.pk} was reviewed again since by cy; nothing was undone"
    else:
        raise AssertionError("the undo went through")
    assert state(prediction) == after_other and not prediction.reviews.filter(action="undo").exists()


def test_the_pages_undo_shows_the_restored_prediction_in_the_same_queue(staff_client, staff, make_prediction):
    prediction = make_prediction(label="toxic", probability=0.55)
    query = "reviewed=no&sort=most-uncertain"
    staff_client.post(
        "/dashboard/predictions/review/", {"row": f"{prediction.pk}:non-toxic", "advance": "1", "query": query}
    )

    response = staff_client.post("/dashboard/predictions/undo/", {"query": query})

    assert response.status_code == 302 and response["Location"] == f"/dashboard/predictions/{prediction.pk}/?{query}"
    assert state(prediction) == ("", None, None)
    page = staff_client.get(response["Location"]).content.decode()
    assert "Undid your last review of 1 prediction." in page and "undid a review" in page


def test_the_api_undoes_the_token_users_last_review_and_answers_409_when_there_is_none(api, make_prediction):
    prediction = make_prediction(label="toxic")
    api("post", f"/predictions/{prediction.pk}/review", {"label": "non-toxic"})

    undone = api("post", "/predictions/undo")
    assert undone.status_code == 200
    assert undone.json()["undone"] == 1 and undone.json()["items"][0]["reviewed_label"] is None
    actions_seen = [r["action"] for r in api("get", f"/predictions/{prediction.pk}").json()["reviews"]]
    assert actions_seen == ["undo", "relabel"]

    nothing = api("post", "/predictions/undo")
    assert nothing.status_code == 409 and nothing.json() == {"error": "you have no review left to undo"}
    assert Prediction.objects.get(pk=prediction.pk).reviews.count() == 2


def test_with_nothing_to_undo_the_page_says_so_and_stays_where_it_was(staff_client, make_prediction):
    prediction = make_prediction()
    here = f"/dashboard/predictions/{prediction.pk}/?sort=newest"

    response = staff_client.post("/dashboard/predictions/undo/", {"query": "sort=newest", "next": here}, follow=True)

    assert response.redirect_chain == [(here, 302)]
    assert "you have no review left to undo" in response.content.decode()
