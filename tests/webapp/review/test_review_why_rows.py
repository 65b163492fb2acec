"""The review list asks for the words behind its rows' verdicts (GET /dashboard/predictions/why/?ids=),
computed then by the active model, for staff who may read predictions."""

from webapp.checker.registry import register


def test_it_explains_each_row_asked_for(staff_client, make_prediction, baseline_dir):
    version = register(baseline_dir, name="baseline-now", activate=True)
    rude = make_prediction("you are a stupid idiot", label="toxic", version=version)
    kind = make_prediction("thank you for the careful edit", version=version)

    rows = staff_client.get(f"/dashboard/predictions/why/?ids={rude.pk},{kind.pk}").json()["rows"]

    assert set(rows) == {str(rude.pk), str(kind.pk)}
    assert "".join(s["text"] for s in rows[str(kind.pk)]["segments"]) == "thank you for the careful edit"
    assert {s["text"] for s in rows[str(rude.pk)]["segments"] if s["push"] == "toxic"} >= {"stupid", "idiot"}


def test_bad_ids_get_a_reason(staff_client, db):
    assert staff_client.get("/dashboard/predictions/why/?ids=1,x").json() == {
        "error": "ids: prediction ids separated by commas"
    }
    assert staff_client.get("/dashboard/predictions/why/").status_code == 400


def test_without_an_active_model_it_says_so(staff_client, make_prediction):
    row = make_prediction("you are a stupid idiot", label="toxic")

    response = staff_client.get(f"/dashboard/predictions/why/?ids={row.pk}")

    assert response.status_code == 503 and "No model is active" in response.json()["error"]


def test_it_is_for_staff_only(client, make_prediction):
    row = make_prediction("you are a stupid idiot", label="toxic")

    assert client.get(f"/dashboard/predictions/why/?ids={row.pk}").status_code in (302, 403)
