"""POST /api/v1/check: the answer's shape, and that every verdict is stored with the model that gave it."""

import pytest

from webapp.checker.models import ModelVersion, Prediction


def test_it_judges_one_text_and_names_the_model(check_api, active_model):
    response = check_api({"text": "Thanks for fixing the citation."})

    assert response.status_code == 200
    body = response.json()
    assert body["model"] == {
        "id": active_model.pk,
        "name": "tiny",
        "display_name": "fine-tuned teacher “tiny”",
        "method": "teacher",
        "teacher": "tiny-bert0",  # the last part of the teacher's directory, never a server path
        "created": body["model"]["created"],
        "runtime": "torch-fp32",
        "threshold": active_model.threshold,
        "test_f1": active_model.metrics["test_at_threshold"]["f1"],
    }
    [result] = body["results"]
    assert result["label"] in ("toxic", "non-toxic")
    assert 0.0 <= result["toxic_probability"] <= 1.0
    assert (result["label"] == "toxic") == (result["toxic_probability"] >= 0.5)


def test_it_stores_each_prediction_with_the_active_model_and_returns_its_id(check_api, active_model):
    texts = ["first comment", "second comment", "third comment"]
    results = check_api({"texts": texts}).json()["results"]

    stored = Prediction.objects.in_bulk([r["prediction_id"] for r in results])
    assert len(stored) == 3
    for text, result in zip(texts, results, strict=True):
        row = stored[result["prediction_id"]]
        assert (row.text, row.label, row.source) == (text, result["label"], "api")
        assert row.toxic_probability == result["toxic_probability"]
        assert row.model_version == active_model


def test_it_accepts_a_full_batch_of_the_longest_texts(check_api, active_model):
    response = check_api({"texts": ["x" * 5000] * 64})

    assert response.status_code == 200
    assert len(response.json()["results"]) == 64


@pytest.mark.parametrize("body", [{"text": "a comment"}, {"texts": ["a comment", "another"]}])
def test_it_answers_500_in_json_and_no_verdict_when_storing_fails(
    check_api, active_model, prediction_inserts_fail, body
):
    response = check_api(body)

    assert response.status_code == 500
    assert response.json() == {"error": "internal server error"}


def test_it_answers_503_when_the_active_model_cannot_be_loaded(check_api, db, tmp_path):
    ModelVersion.objects.create(
        name="gone", method="odd", teacher="t", artifact_path=str(tmp_path / "gone"), active=True
    )

    response = check_api({"text": "a comment"})

    assert response.status_code == 503
    assert response.json() == {"error": "the active model cannot be loaded"}
    assert not Prediction.objects.exists()


def test_it_tells_which_model_is_active(client, active_model):
    assert client.get("/api/v1/model").json()["name"] == "tiny"


def test_it_answers_503_for_the_active_model_when_there_is_none(client, db):
    response = client.get("/api/v1/model")

    assert response.status_code == 503
    assert response.json()["error"].startswith("no model is active yet; GET /first-model says")
    assert response["Retry-After"] == "30"
