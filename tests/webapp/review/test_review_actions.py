"""Review actions: confirm or relabel one prediction or many, each with an audit row keeping who,
when and the label shown before; the model's verdict is never changed."""

import pytest

from ml.names import LABELS
from webapp.checker.models import Prediction, PredictionReview
from webapp.review import actions


def test_bulk_relabel_from_the_page_writes_one_audit_row_per_prediction_and_keeps_the_verdicts(
    staff_client, staff, make_prediction, django_assert_max_num_queries
):
    rows = [make_prediction(f"comment {n}", label="toxic" if n % 2 else "non-toxic") for n in range(6)]
    back = "/dashboard/predictions/?label=toxic"

    with django_assert_max_num_queries(10):  # 2 of them: the reviewer's permissions (user, groups)
        response = staff_client.post(
            "/dashboard/predictions/review/", {"ids": [p.pk for p in rows], "action": "non-toxic", "next": back}
        )

    assert response.status_code == 302 and response["Location"] == back
    for before in rows:
        after = Prediction.objects.get(pk=before.pk)
        assert after.label == before.label, "the model's verdict is kept"
        assert (after.reviewed_label, after.reviewed_by, after.final_label) == ("non-toxic", staff, "non-toxic")
        (audit,) = after.reviews.all()
        assert (audit.reviewer, audit.previous_label, audit.label) == (staff, before.label, "non-toxic")
        assert audit.action == ("relabel" if before.label == "toxic" else "confirm")
        assert audit.created == after.reviewed_at


def test_a_second_review_records_the_first_reviewers_label_as_the_previous_one(
    staff, make_prediction, django_user_model
):
    other = django_user_model.objects.create_user("cy", is_staff=True)
    prediction = make_prediction(label="toxic")
    actions.review([prediction.pk], staff, "non-toxic")
    actions.review([prediction.pk], other, "confirm")
    actions.review([prediction.pk], staff, "toxic")

    trail = [
        (r.reviewer.username, r.action, r.previous_label, r.label) for r in prediction.reviews.order_by("created", "id")
    ]
    assert trail == [
        ("ada", "relabel", "toxic", "non-toxic"),
        ("cy", "confirm", "non-toxic", "non-toxic"),
        ("ada", "relabel", "non-toxic", "toxic"),
    ]
    prediction.refresh_from_db()
    assert (prediction.label, prediction.reviewed_label, prediction.reviewed_by) == ("toxic", "toxic", staff)


def test_a_rows_own_button_reviews_that_row_only_and_answers_json_to_the_pages_script(staff_client, make_prediction):
    one, other = make_prediction("one", label="toxic"), make_prediction("two", label="toxic")

    response = staff_client.post(
        "/dashboard/predictions/review/",
        {"row": f"{one.pk}:non-toxic", "ids": [other.pk], "action": "confirm"},
        headers={"X-Requested-With": "fetch"},
    )

    assert response.status_code == 200
    assert response.json()["rows"] == [
        {
            "id": one.pk,
            "reviewed_label": "non-toxic",
            "reviewed_label_display": "Non-toxic",
            "final_label": "non-toxic",
            "relabelled": True,
            "reviewed_by": "ada",
            "reviewed_at": Prediction.objects.get(pk=one.pk).reviewed_at.isoformat(),
        }
    ]
    assert not PredictionReview.objects.filter(prediction=other).exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"ids": [], "action": "confirm"}, "ids: select at least one prediction"),
        ({"ids": ["1"], "action": "rude"}, "action: must be one of confirm, toxic, non-toxic"),
        ({"ids": ["x"], "action": "confirm"}, "ids: must be prediction ids"),
        ({"ids": ["999999"], "action": "confirm"}, "no prediction with id 999999"),
        ({"ids": [str(n) for n in range(1, 502)], "action": "confirm"}, "at most 500 predictions at once"),
    ],
)
def test_a_review_that_cannot_apply_changes_nothing_and_says_why(staff_client, make_prediction, data, message):
    make_prediction()
    response = staff_client.post("/dashboard/predictions/review/", data, headers={"X-Requested-With": "fetch"})
    assert response.status_code == 400 and message in response.json()["error"]
    assert not PredictionReview.objects.exists() and not Prediction.objects.exclude(reviewed_label="").exists()


@pytest.mark.parametrize(
    ("ids", "action", "kind"),
    [
        (["x"], "confirm", actions.InvalidReview),
        (["1"], "rude", actions.InvalidReview),
        (["999999"], "confirm", actions.PredictionNotFound),
    ],
)
def test_the_kind_of_failure_is_its_exception_type_not_its_message(staff, db, ids, action, kind):
    with pytest.raises(kind):
        actions.review(ids, staff, action)


def test_a_next_address_on_another_site_is_not_followed(staff_client, make_prediction):
    prediction = make_prediction()
    response = staff_client.post(
        "/dashboard/predictions/review/", {"row": f"{prediction.pk}:confirm", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/dashboard/predictions/"


def test_the_prediction_page_shows_the_full_text_and_its_audit_trail(staff_client, staff, make_prediction):
    prediction = make_prediction("<b>full</b> text", label="toxic")
    actions.review([prediction.pk], staff, "non-toxic")

    html = staff_client.get(f"/dashboard/predictions/{prediction.pk}/").content.decode()
    assert "&lt;b&gt;full&lt;/b&gt; text" in html
    assert '<table class="data" id="audit-trail">' in html
    assert "<td>relabelled</td><td>Toxic</td><td>Non-toxic</td>" in html


def test_the_list_shows_the_reviewed_label_next_to_the_models_verdict(staff_client, staff, make_prediction):
    prediction = make_prediction(label="toxic")
    actions.review([prediction.pk], staff, "non-toxic")
    html = staff_client.get("/dashboard/predictions/").content.decode()
    assert '<span class="badge toxic">Toxic</span>' in html
    assert '<span class="badge non-toxic relabelled">Non-toxic</span> <span class="muted">ada</span>' in html


def test_the_review_buttons_of_the_list_and_of_a_prediction_send_the_labels_of_ml(staff_client, make_prediction):
    prediction = make_prediction()
    listing = staff_client.get("/dashboard/predictions/").content.decode()
    detail = staff_client.get(f"/dashboard/predictions/{prediction.pk}/").content.decode()

    for label in LABELS.values():
        assert f'name="action" value="{label}"' in listing
        assert f'name="row" value="{prediction.pk}:{label}"' in listing
        assert f'name="row" value="{prediction.pk}:{label}"' in detail
