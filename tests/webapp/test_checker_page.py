"""The checker page at /: a form that works without JavaScript, and the fragment its script swaps in."""

import pytest
from django.db import DatabaseError
from django.test import Client

from webapp.checker.models import Prediction


def assert_refused(response, status, message):
    """The page answered `status` with `message` and stored no prediction."""
    assert response.status_code == status
    assert message in response.content
    assert not Prediction.objects.exists()


def test_it_shows_the_form_and_the_model_that_will_judge(client, active_model):
    response = client.get("/")

    assert response.status_code == 200
    assert b'<form id="check-form" method="post"' in response.content
    # End users read it in plain words; staff get the name and figures (tests/e2e/test_uncertain_verdict_in_browser.py)
    assert f"Checked by an automatic model, last updated {active_model.created:%Y-%m-%d}" in response.content.decode()
    assert active_model.artifact_path not in response.content.decode()


def test_it_gives_a_friendly_notice_when_no_model_is_active(client, db):
    page = client.get("/")
    post = client.post("/", {"text": "hello"})

    assert b"No model is active yet" in page.content
    assert_refused(post, 503, b"No model is active yet, so this comment was not checked.")


def test_a_plain_form_post_shows_the_verdict_probability_and_model(client, active_model):
    response = client.post("/", {"text": "Thanks for fixing the citation."})

    prediction = Prediction.objects.get()
    assert response.status_code == 200
    assert (prediction.source, prediction.model_version) == ("page", active_model)
    content = response.content.decode()
    assert f'data-label="{prediction.label}"' in content
    assert f"Toxic probability: <strong>{prediction.toxic_percent}</strong>" in content
    assert "Judged by an automatic model, last updated " in content
    assert active_model.teacher not in content and active_model.artifact_path not in content  # no server path
    assert "<html" in content


def test_the_script_gets_only_the_result_fragment(client, active_model):
    response = client.post("/", {"text": "a comment"}, headers={"X-Requested-With": "fetch"})

    assert response.status_code == 200
    assert b"<html" not in response.content
    assert b'class="verdict verdict-' in response.content


@pytest.mark.parametrize("form", [{"text": ""}, {"text": "   \n  "}, {}])
def test_it_rejects_an_empty_comment_with_a_clear_message(client, active_model, form):
    assert_refused(client.post("/", form), 400, b"Enter a comment to check.")


def test_it_rejects_a_comment_over_5000_characters_and_says_how_long_it_is(client, active_model):
    response = client.post("/", {"text": "x" * 5001})

    assert_refused(response, 400, b"A comment can be at most 5000 characters (this one has 5001).")


def test_it_renders_a_script_comment_inert(client, active_model):
    response = client.post("/", {"text": '<script>alert("x")</script><img src=x onerror=alert(1)>'})

    content = response.content.decode()
    assert "<script>alert" not in content
    assert "<img src=x" not in content
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in content


def test_it_refuses_a_post_without_the_csrf_token(db):
    response = Client(enforce_csrf_checks=True).post("/", {"text": "hello"})

    assert response.status_code == 403


def test_a_failure_to_store_the_check_is_an_error_not_a_silent_verdict(client, active_model, prediction_inserts_fail):
    with pytest.raises(DatabaseError):  # the test client re-raises what would be a 500 page
        client.post("/", {"text": "a comment"})


def test_a_comment_over_the_limit_is_offered_a_check_of_its_first_5000_characters(client, active_model):
    text = "word " * 1100

    refused = client.post("/", {"text": text})
    checked = client.post("/", {"text": text, "truncate": "1"})

    assert refused.status_code == 400
    assert b'form="check-form" name="truncate" value="1">Check the first 5000 characters</button>' in refused.content
    assert checked.status_code == 200
    assert b"Only the first 5000 characters were checked." in checked.content
    assert Prediction.objects.get().text == text[:5000]


def test_the_truncate_button_changes_nothing_for_a_comment_within_the_limit(client, active_model):
    response = client.post("/", {"text": "a short comment", "truncate": "1"})

    assert response.status_code == 200
    assert b"Only the first" not in response.content
    assert Prediction.objects.get().text == "a short comment"


def test_the_page_says_whether_this_process_has_the_model_loaded(client, active_model):
    from webapp.checker import classify

    before = client.get("/").content.decode()
    classify.active_model.warm()
    after = client.get("/").content.decode()

    assert 'data-model-loaded="0"' in before
    assert 'data-model-loaded="1"' in after
