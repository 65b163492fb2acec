"""Identical texts are one group: the list marks how often a text was checked, and one review from a
prediction's page (or the API's `same_text`) labels every prediction of that text, one audit row each."""

import pytest

from webapp.checker.models import Prediction, PredictionReview


def test_one_review_labels_every_prediction_of_the_same_text_with_one_audit_row_each(
    staff_client, staff, make_prediction, versions
):
    text = "you are all clowns"
    group = [make_prediction(text, label="toxic"), make_prediction(text, label="non-toxic", version=versions[1])]
    group.append(make_prediction(text, label="toxic", reviewed_label="toxic", reviewed_by=staff))
    lookalike = make_prediction(text + " ", label="toxic")

    page = staff_client.get(f"/dashboard/predictions/{group[0].pk}/").content.decode()
    assert "label the 2 other predictions of this exact text too" in page

    staff_client.post(
        "/dashboard/predictions/review/", {"row": f"{group[0].pk}:non-toxic", "same_text": "1", "query": ""}
    )

    for member in group:
        member.refresh_from_db()
        assert (member.reviewed_label, member.reviewed_by) == ("non-toxic", staff)
        assert member.reviews.count() == 1
    audit = {r.prediction_id: (r.previous_label, r.action) for r in PredictionReview.objects.all()}
    assert audit == {
        group[0].pk: ("toxic", "relabel"),
        group[1].pk: ("non-toxic", "confirm"),
        group[2].pk: ("toxic", "relabel"),
    }
    assert Prediction.objects.get(pk=lookalike.pk).reviewed_label == "", "only the exact same text"


def test_without_same_text_only_the_prediction_itself_is_reviewed(staff_client, make_prediction):
    one, twin = make_prediction("same", label="toxic"), make_prediction("same", label="toxic")
    staff_client.post("/dashboard/predictions/review/", {"row": f"{one.pk}:non-toxic"})
    assert [p.reviewed_label for p in Prediction.objects.filter(pk__in=[one.pk, twin.pk]).order_by("pk")] == [
        "non-toxic",
        "",
    ]


def test_the_api_reviews_a_texts_group_with_same_text(api, make_prediction):
    group = [make_prediction("dup", label="toxic") for _ in range(3)]
    response = api("post", f"/predictions/{group[0].pk}/review", {"label": "non-toxic", "same_text": True})
    assert response.status_code == 200
    assert set(Prediction.objects.filter(text="dup").values_list("reviewed_label", flat=True)) == {"non-toxic"}
    assert PredictionReview.objects.count() == 3


def test_the_list_marks_texts_checked_more_than_once(staff_client, make_prediction):
    make_prediction("twice")
    make_prediction("twice")
    make_prediction("once")
    page = staff_client.get("/dashboard/predictions/")
    counts = {p.text: p.same_text_count for p in page.context["page"].rows}
    assert counts == {"twice": 2, "once": 1}
    assert page.content.decode().count(">×2</span>") == 2


def test_the_text_hash_index_exists_on_postgresql(db):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the hash index is PostgreSQL's (DATABASE_URL=postgres://...)")
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'prediction_text_hash'")
        (definition,) = cursor.fetchone()
    assert "USING hash" in definition and "(text)" in definition
