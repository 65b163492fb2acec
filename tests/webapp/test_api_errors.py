"""Every way a check request can be wrong gets a JSON {"error": ...} with the right status, and stores nothing."""

import pytest

from webapp.checker.models import Prediction

BAD_BODIES = [
    ('{"text": ', "malformed JSON: "),
    ("[1, 2]", "the request body must be a JSON object"),
    ('"just a string"', "the request body must be a JSON object"),
    ({}, "send either 'text' or 'texts' (a list), not both or neither"),
    ({"text": None}, "send either 'text' or 'texts' (a list), not both or neither"),
    ({"text": "a", "texts": ["b"]}, "send either 'text' or 'texts' (a list), not both or neither"),
    ({"text": 5}, "text: input should be a valid string"),
    ({"text": ["a"]}, "text: input should be a valid string"),
    ({"texts": "abc"}, "texts: input should be a valid list"),
    ({"texts": ["fine", 3]}, "texts[1]: input should be a valid string"),
    ({"text": ""}, "text: must not be empty"),
    ({"text": " \n\t "}, "text: must not be empty"),
    ({"texts": ["fine", ""]}, "texts[1]: must not be empty"),
    ({"texts": []}, "texts: send 1 to 64 texts (got 0)"),
    ({"texts": ["a"] * 65}, "texts: send 1 to 64 texts (got 65)"),
    ({"text": "x" * 5001}, "text: must be at most 5000 characters (got 5001)"),
    ({"texts": ["ok", "x" * 5001]}, "texts[1]: must be at most 5000 characters (got 5001)"),
    ({"text": "a", "threshold": 0.3}, "threshold: unknown field"),
]


@pytest.mark.parametrize(("body", "error"), BAD_BODIES)
def test_it_rejects_a_bad_body_with_400_and_a_message(check_api, active_model, body, error):
    response = check_api(body)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.json()["error"].startswith(error)
    assert not Prediction.objects.exists()


def test_it_rejects_an_empty_json_body(client, active_model):
    # The test client drops the Content-Type of an empty body unless it is given as a header.
    response = client.post("/api/v1/check", "", content_type="application/json", CONTENT_TYPE="application/json")

    assert response.status_code == 400
    assert response.json() == {"error": "the request body must be a JSON object"}


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", ""])
def test_it_rejects_a_body_that_is_not_declared_json_with_415(client, active_model, content_type):
    response = client.generic("POST", "/api/v1/check", b'{"text": "hello"}', content_type=content_type)

    assert response.status_code == 415
    assert response.json()["error"].startswith("Content-Type must be application/json")


def test_it_accepts_a_json_content_type_with_a_charset(client, active_model):
    response = client.post("/api/v1/check", '{"text": "hello"}', content_type="application/json; charset=utf-8")

    assert response.status_code == 200


def test_it_answers_413_for_a_body_over_the_upload_limit(check_api, active_model, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000

    response = check_api({"text": "x" * 2000})

    assert response.status_code == 413
    assert response.json() == {"error": "request body too large"}


def test_it_answers_503_when_no_model_is_active(check_api, db):
    response = check_api({"text": "hello"})

    assert response.status_code == 503
    assert response.json()["error"].startswith("no model is active yet; GET /first-model says")
    assert response["Retry-After"] == "30"


def test_it_refuses_other_methods_on_check(client, db):
    response = client.get("/api/v1/check")

    assert response.status_code == 405
    assert response["Allow"] == "POST"


def test_a_wrong_method_gets_a_json_405_that_keeps_the_allow_header(client):
    response = client.get("/api/v1/check")

    assert response.status_code == 405
    assert response.json() == {"error": "method not allowed"}
    assert "POST" in response["Allow"]


def test_an_unknown_api_path_gets_a_json_404(client):
    response = client.get("/api/v1/no-such-endpoint")

    assert response.status_code == 404
    assert response.json() == {"error": "not found"}


def test_pages_outside_the_api_keep_their_html_errors(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert not response["Content-Type"].startswith("application/json")
