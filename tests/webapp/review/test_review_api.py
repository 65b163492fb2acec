"""The staff API: GET /api/v1/predictions with the page's filters, seek pages, review one or many,
and the OpenAPI description."""

from webapp.checker.models import PredictionReview


def test_the_list_takes_the_pages_filters_and_pages_with_cursors(api, make_prediction, versions):
    rows = [make_prediction(f"rude {n}", label="toxic", probability=0.5 + n / 100) for n in range(5)]
    make_prediction("polite", label="non-toxic")

    first = api("get", "/predictions", label="toxic", sort="most-toxic", limit=2)
    assert first.status_code == 200
    body = first.json()
    assert [item["id"] for item in body["items"]] == [rows[4].pk, rows[3].pk]
    assert (body["count"], body["count_capped"], body["previous"]) == (5, False, None)
    item = body["items"][0]
    assert {k: item[k] for k in ("text", "label", "model", "source", "reviewed_label", "final_label")} == {
        "text": "rude 4",
        "label": "toxic",
        "model": versions[0].pk,
        "source": "api",
        "reviewed_label": None,
        "final_label": "toxic",
    }

    second = api("get", "/predictions", label="toxic", sort="most-toxic", limit=2, after=body["next"]).json()
    assert [item["id"] for item in second["items"]] == [rows[2].pk, rows[1].pk]
    again = api("get", "/predictions", label="toxic", sort="most-toxic", limit=2, before=second["previous"]).json()
    assert [item["id"] for item in again["items"]] == [rows[4].pk, rows[3].pk]


def test_bad_parameters_are_400_naming_the_parameter(api, db):
    assert api("get", "/predictions", min_probability=0.9, max_probability=0.1).json() == {
        "error": "max_probability: must not be below the lower bound"
    }
    response = api("get", "/predictions", sort="random")
    assert response.status_code == 400 and response.json()["error"].startswith("sort:")
    assert api("get", "/predictions", after="garbage").json()["error"].startswith("after: not a cursor")
    assert api("get", "/predictions", model=12345).status_code == 400


def test_one_prediction_is_relabelled_then_confirmed_and_keeps_its_audit_trail(api, make_prediction):
    prediction = make_prediction(label="toxic")

    relabelled = api("post", f"/predictions/{prediction.pk}/review", {"label": "non-toxic"})
    confirmed = api("post", f"/predictions/{prediction.pk}/review", {"confirm": True})

    assert relabelled.status_code == confirmed.status_code == 200
    body = confirmed.json()
    assert (body["label"], body["reviewed_label"], body["final_label"], body["reviewed_by"]) == (
        "toxic",
        "non-toxic",
        "non-toxic",
        "ada",
    )
    assert [(r["action"], r["previous_label"], r["label"], r["reviewer"]) for r in body["reviews"]] == [
        ("confirm", "non-toxic", "non-toxic", "ada"),
        ("relabel", "toxic", "non-toxic", "ada"),
    ]
    assert api("get", f"/predictions/{prediction.pk}").json()["reviews"] == body["reviews"]


def test_a_review_body_must_say_exactly_one_thing(api, make_prediction):
    prediction = make_prediction()
    for body in ({}, {"label": "toxic", "confirm": True}, {"confirm": False}, {"label": "rude"}, {"lable": "toxic"}):
        response = api("post", f"/predictions/{prediction.pk}/review", body)
        assert response.status_code == 400, body
    assert api("post", "/predictions/999999/review", {"confirm": True}).status_code == 404
    assert not PredictionReview.objects.exists()


def test_many_predictions_are_reviewed_in_one_call(api, make_prediction):
    rows = [make_prediction(f"c{n}", label="toxic") for n in range(3)]
    response = api("post", "/predictions/review", {"ids": [p.pk for p in rows], "label": "non-toxic"})
    assert response.status_code == 200
    assert response.json()["reviewed"] == 3 and PredictionReview.objects.count() == 3
    missing = api("post", "/predictions/review", {"ids": [rows[0].pk, 999999], "confirm": True})
    assert missing.status_code == 404 and PredictionReview.objects.count() == 3


def test_the_summary_gives_each_models_figures(api, staff, make_prediction, versions):
    from webapp.review import actions

    a = [make_prediction(f"a{n}", label="toxic" if n < 3 else "non-toxic") for n in range(4)]
    make_prediction("b", version=versions[1])
    actions.review([a[0].pk], staff, "confirm")
    actions.review([a[1].pk], staff, "non-toxic")

    figures = api("get", "/predictions/summary").json()
    assert figures == [
        {
            "model_id": versions[0].pk,
            "model": "odd-v1",
            "predictions": 4,
            "toxic_share": 0.75,
            "reviewed": 2,
            "reviewed_share": 0.5,
            "agreement": 0.5,
        },
        {
            "model_id": versions[1].pk,
            "model": "odd-v2",
            "predictions": 1,
            "toxic_share": 0.0,
            "reviewed": 0,
            "reviewed_share": 0.0,
            "agreement": None,
        },
    ]


def test_the_openapi_description_lists_the_review_endpoints(client, db):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {
        "/api/v1/predictions",
        "/api/v1/predictions/summary",
        "/api/v1/predictions/{prediction_id}",
        "/api/v1/predictions/{prediction_id}/review",
        "/api/v1/predictions/review",
    } <= set(paths)
    params = {p["name"] for p in paths["/api/v1/predictions"]["get"]["parameters"]}
    assert {
        "q",
        "label",
        "min_probability",
        "max_probability",
        "model",
        "source",
        "since",
        "until",
        "reviewed",
        "sort",
        "limit",
        "after",
        "before",
    } <= params
