"""Asking for the words that push a version to toxic: a model owner's request is queued and shown as
pending on the page and in the API; staff who may only look are refused. (The worker's side:
tests/worker/test_toxic_words.py.)"""

from tests.support.accounts import staff_user
from webapp.accounts.models import ApiToken
from webapp.checker.models import WordReport
from webapp.checker.registry import register


def test_a_model_owner_queues_the_search_and_sees_it_pending(api, staff_client, tiny_artifact_dir):
    version = register(tiny_artifact_dir, name="tiny")

    response = api("post", f"/models/{version.pk}/words")

    assert response.status_code == 202, response.content
    shown = response.json()["toxic_words"]
    assert shown["finished"] is None and shown["words"] is None and shown["threshold"] == version.threshold
    assert WordReport.objects.get(model_version=version).pending
    page = staff_client.get(f"/dashboard/models/{version.pk}/").content.decode()
    assert 'id="toxic-words-pending"' in page and "Find them" not in page


def test_staff_who_may_only_look_cannot_ask(db, client, tiny_artifact_dir):
    version = register(tiny_artifact_dir, name="tiny")
    looker = staff_user("looker", groups=())
    token = ApiToken.issue(looker, name="tests")[1]

    refused = client.post(f"/api/v1/models/{version.pk}/words", HTTP_AUTHORIZATION=f"Bearer {token}")
    client.force_login(looker)
    page = client.get(f"/dashboard/models/{version.pk}/").content.decode()

    assert refused.status_code == 403 and "promote_modelversion" in refused.json()["error"]
    assert client.post(f"/dashboard/models/{version.pk}/words/").status_code == 403
    assert not WordReport.objects.exists() and "Not found yet" in page and "Find them" not in page


def test_an_unknown_version_is_a_404(api):
    response = api("post", "/models/999999/words")

    assert response.status_code == 404 and "999999" in response.json()["error"]
