"""POST /api/v1/check with "explain": true: every word with its offsets and score, from the runtime that
gave the verdict, counted against the rate limit as one check."""

import random

import pytest

from webapp.checker.models import Prediction
from webapp.checker.registry import register

TEXTS = ["You are an idiot, an IDIOT!!!", "Café naïve — don't say “日本語” (ok?)", "?!"]


def words_of(text, explanation):
    return [text[w["start"] : w["end"]] for w in explanation["words"]]


@pytest.mark.parametrize("batch_max_size", [1, 32])
def test_each_result_scores_the_words_of_its_text_at_their_offsets(check_api, active_model, settings, batch_max_size):
    settings.BATCH_MAX_SIZE = batch_max_size  # with and without the model thread's batches

    response = check_api({"texts": TEXTS, "explain": True})

    assert response.status_code == 200
    results = response.json()["results"]
    assert words_of(TEXTS[0], results[0]["explanation"]) == ["You", "are", "an", "idiot", "an", "IDIOT"]
    assert words_of(TEXTS[1], results[1]["explanation"]) == ["Café", "naïve", "don't", "say", "日本語", "ok"]
    assert results[2]["explanation"]["words"] == []
    for text, result in zip(TEXTS, results, strict=True):
        explanation = result["explanation"]
        assert [w["word"] for w in explanation["words"]] == words_of(text, explanation)
        assert (explanation["method"], explanation["unit"], explanation["runtime"]) == (
            "occlusion",
            "probability",
            "torch-fp32",
        )
        stored = Prediction.objects.get(pk=result["prediction_id"])
        assert (stored.text, stored.toxic_probability) == (text, result["toxic_probability"])


def test_the_verdict_with_an_explanation_is_the_plain_checks(check_api, active_model):
    plain = check_api({"text": TEXTS[0]}).json()["results"][0]
    explained = check_api({"text": TEXTS[0], "explain": True}).json()["results"][0]

    assert plain["explanation"] is None
    assert explained["toxic_probability"] == pytest.approx(plain["toxic_probability"], abs=1e-6)
    assert explained["label"] == plain["label"]


def test_the_baseline_explains_with_its_exact_log_odds(check_api, db, baseline_dir):
    register(baseline_dir, name="baseline", activate=True)

    [result] = check_api({"text": "you are a stupid idiot", "explain": True}).json()["results"]

    explanation = result["explanation"]
    assert (explanation["method"], explanation["unit"], explanation["runtime"]) == ("linear", "log-odds", "sklearn")
    scores = {w["word"]: w["score"] for w in explanation["words"]}
    assert result["label"] == "toxic"
    assert max(scores, key=scores.get) in ("stupid", "idiot") and scores["idiot"] > 0


@pytest.mark.parametrize(
    "body, reason",
    [
        ({"texts": ["a comment"] * 17, "explain": True}, "explain: send at most 16 texts (got 17)"),
        ({"text": "a comment", "explain": "yes"}, "explain"),
    ],
)
def test_it_refuses_bad_explain_requests_with_a_reason(check_api, active_model, body, reason):
    response = check_api(body)

    assert response.status_code == 400
    assert reason in response.json()["error"]
    assert not Prediction.objects.exists()


def test_an_explained_check_counts_against_the_rate_limit_as_one_check(check_api, active_model, settings):
    settings.TOXILAB_RATE_LIMIT = (2, 3600)
    rng = random.SystemRandom()  # a fresh address: no count left in the shared Redis by earlier runs
    address = f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"

    statuses = [
        check_api({"text": "hi", "explain": True}, REMOTE_ADDR=address).status_code,
        check_api({"text": "hi"}, REMOTE_ADDR=address).status_code,
        check_api({"text": "hi", "explain": True}, REMOTE_ADDR=address).status_code,
    ]

    assert statuses == [200, 200, 429]


def test_the_openapi_schema_documents_explanations(client, db):
    schemas = client.get("/api/v1/openapi.json").json()["components"]["schemas"]

    assert schemas["CheckIn"]["properties"]["explain"]["type"] == "boolean"
    assert set(schemas["ExplanationOut"]["properties"]) == {"method", "unit", "runtime", "words"}
    assert set(schemas["WordOut"]["properties"]) == {"word", "start", "end", "score"}
    assert "explanation" in schemas["ResultOut"]["properties"]
