"""End users' "Is this wrong?": each verdict carries a signed token of its prediction; only that token
flags that prediction (page form, its script, or the API), flags are rate-limited per address apart
from checks, and reviewers find flagged predictions with the review list's "flagged" filter."""

import random
import re

import pytest

from webapp.checker import flags
from webapp.checker.models import Prediction


def page_token(response):
    """The flag token in the page's "Is this wrong?" form."""
    return re.search(r'name="token" value="([^"]+)"', response.content.decode()).group(1)


def test_the_checker_page_offers_the_link_and_its_form_flags_the_prediction_just_shown(client, active_model):
    shown = client.post("/", {"text": "you are wrong about this"})
    prediction = shown.context["prediction"]
    assert "Is this wrong?" in shown.content.decode()

    thanks = client.post("/flag", {"token": page_token(shown)})
    again = client.post("/flag", {"token": page_token(shown)}, headers={"X-Requested-With": "fetch"})

    assert thanks.status_code == 200 and "staff will look at this verdict again" in thanks.content.decode()
    assert again.status_code == 200 and again.json() == {"message": "Thank you: staff will look at this verdict again."}
    prediction.refresh_from_db()
    assert prediction.flag_count == 1 and prediction.first_flagged_at is not None, "a token counts once"


def test_a_token_counts_once_however_often_it_is_replayed(client, active_model):
    shown = client.post("/", {"text": "replay my flag"})
    prediction, token = shown.context["prediction"], page_token(shown)
    other = client.post("/", {"text": "another verdict"})

    page = [client.post("/flag", {"token": token}).status_code for _ in range(5)]
    api = [
        client.post(
            f"/api/v1/predictions/{prediction.pk}/flag", data={"token": token}, content_type="application/json"
        ).status_code
        for _ in range(5)
    ]
    client.post("/flag", {"token": page_token(other)})

    assert page == api[:1] * 5 and api == [200] * 5, "a replay is answered as the first flag was"
    counts = dict(Prediction.objects.values_list("pk", "flag_count"))
    assert (counts[prediction.pk], counts[other.context["prediction"].pk]) == (1, 1)


def test_the_page_form_is_csrf_protected(active_model, db):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    shown = strict.post("/", {"text": "hello"})  # refused too: no token from a page yet
    assert shown.status_code == 403
    page = strict.get("/")
    csrf = page.cookies["csrftoken"].value
    shown = strict.post("/", {"text": "hello", "csrfmiddlewaretoken": csrf})
    assert strict.post("/flag", {"token": page_token(shown)}).status_code == 403
    assert strict.post("/flag", {"token": page_token(shown), "csrfmiddlewaretoken": csrf}).status_code == 200


def test_a_forged_or_missing_token_is_refused_with_a_json_reason_and_nothing_is_counted(client, active_model):
    prediction = client.post("/", {"text": "a comment"}).context["prediction"]
    forged = flags.token_for(prediction)[:-2] + "xx"

    refused = client.post("/flag", {"token": forged}, headers={"X-Requested-With": "fetch"})
    missing = client.post("/flag", {}, headers={"X-Requested-With": "fetch"})

    assert refused.status_code == 403 and refused.json() == {"error": "token: not a token of a verdict from this site"}
    assert missing.status_code == 403
    assert Prediction.objects.get(pk=prediction.pk).flag_count == 0


def test_the_api_flags_with_the_checks_token_and_refuses_another_predictions(client, check_api, active_model):
    first, second = check_api({"texts": ["one comment", "another comment"]}).json()["results"]

    ok = client.post(
        f"/api/v1/predictions/{first['prediction_id']}/flag",
        data={"token": first["flag_token"]},
        content_type="application/json",
    )
    other = client.post(
        f"/api/v1/predictions/{second['prediction_id']}/flag",
        data={"token": first["flag_token"]},
        content_type="application/json",
    )

    assert ok.status_code == 200 and ok.json() == {"prediction_id": first["prediction_id"], "flagged": True}
    assert other.status_code == 403
    assert other.json() == {"error": f"token: not the token of prediction {second['prediction_id']}"}
    counts = dict(Prediction.objects.values_list("pk", "flag_count"))
    assert (counts[first["prediction_id"]], counts[second["prediction_id"]]) == (1, 0)


@pytest.mark.parametrize("counted_on_redis", [True, False])
def test_flags_are_rate_limited_per_address_apart_from_checks(client, active_model, settings, counted_on_redis):
    if counted_on_redis and not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL (as CI has)")
    if not counted_on_redis:
        settings.REDIS_URL = ""
    rng = random.SystemRandom()  # a fresh address: counts left in Redis by earlier runs do not matter
    address = f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
    settings.TOXILAB_RATE_LIMIT = (2, 3600)
    shown = client.post("/", {"text": "rate me"}, REMOTE_ADDR=address)
    token = page_token(shown)

    answers = [
        client.post("/flag", {"token": token}, REMOTE_ADDR=address, headers={"X-Requested-With": "fetch"})
        for _ in range(3)
    ]
    api = client.post(
        f"/api/v1/predictions/{shown.context['prediction'].pk}/flag",
        data={"token": token},
        content_type="application/json",
        REMOTE_ADDR=address,
    )

    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[2].json()["error"].startswith("Too many flags from your address. Try again in")
    assert api.status_code == 429 and int(api["Retry-After"]) > 0
    assert client.post("/", {"text": "still allowed"}, REMOTE_ADDR=address).status_code == 200, "checks count apart"
    assert Prediction.objects.get(pk=shown.context["prediction"].pk).flag_count == 1, "one token, one flag"


def test_reviewers_find_flagged_predictions_with_the_flagged_filter(client, active_model, staff):
    flagged = client.post("/", {"text": "flag me"})
    client.post("/", {"text": "leave me"})
    client.post("/flag", {"token": page_token(flagged)})
    pk = flagged.context["prediction"].pk

    client.force_login(staff)
    page = client.get("/dashboard/predictions/", {"flagged": "yes"})
    listed = client.get("/api/v1/predictions", {"flagged": "yes"}).json()["items"]
    unflagged = client.get("/api/v1/predictions", {"flagged": "no"}).json()["items"]

    assert [p.pk for p in page.context["page"].rows] == [pk] and "flagged ×1" in page.content.decode()
    assert [(item["id"], item["flag_count"]) for item in listed] == [(pk, 1)]
    assert [item["text"] for item in unflagged] == ["leave me"]
