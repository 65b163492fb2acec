"""The checker's "Why?": the words that pushed a stored verdict, for whoever was shown it (its token),
as JSON for the page's script or a page of its own; counted as a check."""

import random

import pytest

from webapp.checker import flags
from webapp.checker.models import Prediction
from webapp.checker.registry import register
from webapp.checker.why import segments

TOXIC = "you are a <b>stupid</b> idiot, you are"


@pytest.fixture
def baseline(db, baseline_dir):
    return register(baseline_dir, name="baseline", activate=True)


def shown(version, text=TOXIC):
    """A verdict stored as the checker stores it, and the token its page was given."""
    prediction = Prediction.objects.create(
        text=text, label="toxic", toxic_probability=0.9, model_version=version, source="page"
    )
    return prediction, flags.token_for(prediction)


def ask(client, token, fetch=True, **extra):
    headers = {"HTTP_X_REQUESTED_WITH": "fetch"} if fetch else {}
    return client.post("/why", {"token": token}, **headers, **extra)


def test_the_segments_give_the_text_back_with_the_insults_marked_toxic(client, baseline):
    _, token = shown(baseline)

    answer = ask(client, token).json()

    assert "".join(s["text"] for s in answer["segments"]) == TOXIC
    marked = {s["text"]: s["push"] for s in answer["segments"] if s["push"]}
    assert marked["stupid"] == "toxic" and marked["idiot"] == "toxic"
    assert all(s["score"] > 0 for s in answer["segments"] if s["push"] == "toxic")
    assert (answer["same_model"], answer["method"], answer["runtime"]) == (True, "linear", "sklearn")


def test_without_javascript_it_is_a_page_with_the_text_escaped(client, baseline):
    _, token = shown(baseline)

    page = ask(client, token, fetch=False).content.decode()

    assert "&lt;b&gt;" in page and "<b>stupid" not in page
    assert 'class="push push-toxic"' in page and "pushed towards toxic" in page


def test_it_says_when_the_active_model_is_not_the_one_that_judged(client, baseline, tiny_artifact_dir):
    _, token = shown(baseline)
    register(tiny_artifact_dir, name="tiny", activate=True)

    answer = ask(client, token).json()

    assert answer["same_model"] is False and answer["runtime"] == "torch-fp32"


def test_a_forged_token_is_refused(client, baseline):
    response = ask(client, "1:forged")

    assert response.status_code == 403 and response.json()["error"].startswith("token:")


def test_it_counts_against_the_rate_limit_like_a_check(client, baseline, settings):
    settings.TOXILAB_RATE_LIMIT = (1, 3600)
    rng = random.SystemRandom()
    address = f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
    _, token = shown(baseline)

    statuses = [ask(client, token, REMOTE_ADDR=address).status_code for _ in range(2)]

    assert statuses == [200, 429]


def test_words_that_push_little_are_not_marked():
    from ml.words import Explanation, WordScore

    text = "a b c d"
    words = tuple(
        WordScore(w, i * 2, i * 2 + 1, s) for i, (w, s) in enumerate(zip("abcd", [1.0, 0.1, -0.5, 0.0], strict=True))
    )

    cut = segments(text, Explanation("toxic", 0.9, words, "linear", "sklearn"))

    assert cut == [
        {"text": "a", "push": "toxic", "score": 1.0},
        {"text": " b ", "push": None, "score": None},
        {"text": "c", "push": "non-toxic", "score": -0.5},
        {"text": " d", "push": None, "score": None},
    ]
