"""The quality gate on promotion, its 409 and override, the promotion history and rollback, on the model
pages and /api/v1/models; who may promote. Scores on the gate's sample are stored rows (`scored`), from
which the gate computes real figures; the tests of the real model's scores are in test_serving_threshold."""

import pytest

from tests.support.accounts import staff_user
from tests.support.api import post_json
from webapp.accounts.models import ApiToken
from webapp.checker import gate
from webapp.checker.models import ModelVersion, Promotion


def version(name, threshold=0.5):
    return ModelVersion.objects.create(
        name=name, method="odd", teacher="t", artifact_path=f"/runs/{name}", threshold=threshold
    )


@pytest.fixture
def serving(db, scored):
    """An active version with test F1 of about 0.8 on the gate's sample, promoted once."""
    current = version("current")
    scored(current, f1=0.8)
    gate.promote(current, None, Promotion.Source.CLI)
    return current


def test_a_candidate_under_the_minimum_f1_is_refused(db, scored, settings):
    settings.TOXILAB_PROMOTE_MIN_F1 = 0.5
    weak = version("weak")
    scored(weak, f1=0.4)

    verdict = gate.judge(weak)

    assert not verdict.passed
    assert verdict.refusals == [f"its test F1 {verdict.candidate['f1']:.4f} is under the minimum 0.50"]


def test_a_candidate_that_calls_every_comment_clean_is_refused_as_single_class(db, scored, settings):
    settings.TOXILAB_PROMOTE_MIN_F1 = 0.0
    mute = version("mute", threshold=0.9)
    scored(mute, probabilities=[0.6] * 20, labels=[1] * 5 + [0] * 15)  # all under its threshold

    verdict = gate.judge(mute)

    assert verdict.candidate["predicted_toxic"] == 0
    assert verdict.refusals == ["it predicts a single class (non-toxic) for all 20 test comments"]


def test_a_drop_of_more_than_max_drop_points_is_refused_and_a_smaller_one_passes(serving, scored, settings):
    settings.TOXILAB_PROMOTE_MAX_DROP = 2.0
    close, worse = version("close"), version("worse")
    scored(close, f1=0.79)
    scored(worse, f1=0.7)

    assert gate.judge(close, serving).passed
    refused = gate.judge(worse, serving)
    drop = (refused.active["f1"] - refused.candidate["f1"]) * 100
    assert drop > 2 and refused.refusals == [
        f"its test F1 {refused.candidate['f1']:.4f} is {drop:.1f} points under the active model's "
        f"{refused.active['f1']:.4f} (at most 2 allowed)"
    ]


def test_an_improvement_nobody_asked_for_must_beat_the_active_model_not_merely_come_close(serving, scored):
    """The starter's later runs promote with must_improve: within the allowed drop is not enough."""
    close, better = version("close"), version("better")
    scored(close, f1=0.79)
    scored(better, f1=0.85)

    refused = gate.judge(close, serving, must_improve=True)
    assert gate.judge(close, serving).passed and not refused.passed
    assert refused.refusals == [
        f"its test F1 {refused.candidate['f1']:.4f} is not above the active model's {refused.active['f1']:.4f}"
    ]
    assert gate.judge(better, serving, must_improve=True).passed
    assert not gate.judge(serving, serving, must_improve=True).passed, "equal is not better"


def test_an_unscored_active_model_means_the_candidate_cannot_be_judged_yet(db, scored):
    active = version("unscored")
    active.activate()
    candidate = version("candidate")
    scored(candidate, f1=0.8)

    verdict = gate.judge(candidate, active)

    assert verdict.unmeasured == [active] and "'unscored' is not scored" in verdict.reason


def test_the_api_refuses_with_409_the_reason_and_both_figures_and_force_promotes_storing_the_reason(
    serving, scored, staff_client, staff
):
    worse = version("worse")
    scored(worse, f1=0.7)

    preview = staff_client.get(f"/api/v1/models/{worse.pk}/gate").json()
    refused = post_json(staff_client, f"/models/{worse.pk}/activate")
    assert refused.status_code == 409 and refused.json()["verdict"] == preview
    body = refused.json()
    assert body["error"].startswith("promotion refused: its test F1 0.7") and "points under" in body["error"]
    assert body["verdict"]["candidate"]["name"] == "worse" and body["verdict"]["active"]["name"] == "current"
    assert body["verdict"]["candidate"]["n"] == body["verdict"]["active"]["n"] == 200
    assert ModelVersion.current() == serving

    forced = post_json(staff_client, f"/models/{worse.pk}/activate", {"force": True})
    assert forced.status_code == 200 and forced.json()["forced"] is True
    promotion = Promotion.objects.get(model_version=worse)
    assert (promotion.forced, promotion.previous, promotion.promoted_by) == (True, serving, staff)
    assert promotion.reason == body["verdict"]["refusals"][0] and ModelVersion.current() == worse


def test_a_bad_force_value_is_a_400_and_an_unknown_model_a_404(serving, staff_client):
    bad = post_json(staff_client, f"/models/{serving.pk}/activate", {"force": "yes"})
    assert bad.status_code == 400 and bad.json()["error"].startswith("force:")
    assert post_json(staff_client, "/models/99999/activate").status_code == 404
    again = post_json(staff_client, f"/models/{serving.pk}/activate")
    assert again.status_code == 409 and again.json() == {"error": "model 'current' is already the active model"}


def test_a_rollback_through_the_api_returns_to_an_earlier_version_even_if_it_scores_lower(
    serving, scored, staff_client
):
    better = version("better")
    scored(better, f1=0.95)
    assert post_json(staff_client, f"/models/{better.pk}/activate").status_code == 200

    back = post_json(staff_client, f"/models/{serving.pk}/activate")

    assert back.status_code == 200 and back.json()["rollback"] is True and back.json()["forced"] is False
    assert ModelVersion.current() == serving
    listed = {m["name"]: m for m in staff_client.get("/api/v1/models").json()}
    assert listed["current"]["active"] and not listed["better"]["active"]
    assert [p["rollback"] for p in listed["current"]["promotions"]] == [True, False]
    history = staff_client.get("/api/v1/promotions").json()
    assert [(p["model"]["name"], p["previous"]) for p in history] == [
        ("current", better.pk),
        ("better", serving.pk),
        ("current", None),
    ]


def test_a_rollback_from_the_models_page_asks_first_then_rolls_back(serving, scored, staff_client, staff):
    newer = version("newer")
    scored(newer, f1=0.82)
    gate.promote(newer, staff, Promotion.Source.API)

    listing = staff_client.get("/dashboard/models/").content.decode()
    assert "Roll back to this" in listing and 'id="promotions"' in listing
    question = staff_client.post(f"/dashboard/models/{serving.pk}/activate/").content.decode()
    assert 'id="rollback-confirm"' in question and ModelVersion.current() == newer
    response = staff_client.post(f"/dashboard/models/{serving.pk}/activate/", {"confirm": "yes"}, follow=True)

    assert ModelVersion.current() == serving
    assert "rolled back to: it now serves the checker" in response.content.decode()
    latest = Promotion.objects.first()
    assert (latest.model_version, latest.rollback, latest.source, latest.promoted_by) == (
        serving,
        True,
        "dashboard",
        staff,
    )


def test_the_models_page_shows_both_figures_and_a_refused_promotion_needs_the_confirm_box(
    serving, scored, staff_client
):
    worse = version("worse")
    scored(worse, f1=0.7)

    page = staff_client.get(f"/dashboard/models/{worse.pk}/").content.decode()
    assert 'id="gate-figures"' in page and "active: current" in page and 'id="gate-refusals"' in page
    assert 'name="force"' in page and "Promote anyway" in page

    unconfirmed = staff_client.post(f"/dashboard/models/{worse.pk}/activate/", follow=True)
    assert ModelVersion.current() == serving and "Promotion refused" in unconfirmed.content.decode()

    staff_client.post(f"/dashboard/models/{worse.pk}/activate/", {"force": "1"})
    assert ModelVersion.current() == worse and Promotion.objects.first().forced


@pytest.fixture
def looker(db, client):
    """Staff in no group: may look at the model pages and the list, not change anything."""
    user = staff_user("lee", groups=())
    client.force_login(user)
    return client, ApiToken.issue(user)[1]


def test_staff_without_the_model_owner_permission_may_look_but_get_403_on_every_change(serving, scored, looker):
    client, token = looker
    other = version("other")
    scored(other, f1=0.85)

    assert client.get("/api/v1/models").status_code == 200
    page = client.get(f"/dashboard/models/{other.pk}/")
    assert page.status_code == 200
    assert 'id="activate-form"' not in page.content.decode() and 'id="threshold-form"' not in page.content.decode()

    for response in (
        post_json(client, f"/models/{other.pk}/activate"),
        post_json(client, f"/models/{other.pk}/activate", token=token),
        client.put(f"/api/v1/models/{other.pk}/threshold", {"threshold": 0.3}, content_type="application/json"),
        client.post(f"/dashboard/models/{other.pk}/activate/"),
        client.post(f"/dashboard/models/{other.pk}/threshold/", {"threshold": "0.3"}),
    ):
        assert response.status_code == 403
    assert (
        "checker.promote_modelversion" in post_json(client, f"/models/{other.pk}/activate", token=token).json()["error"]
    )
    other.refresh_from_db()
    assert ModelVersion.current() == serving and other.threshold == 0.5 and other.promotions.count() == 0


def test_a_model_owners_token_may_promote(serving, scored, client):
    owner = staff_user("sam", groups=["Model owners"])
    token = ApiToken.issue(owner)[1]
    other = version("other")
    scored(other, f1=0.85)

    response = post_json(client, f"/models/{other.pk}/activate", token=token)

    assert response.status_code == 200 and response.json()["promoted_by"] == "sam"
    assert ModelVersion.current() == other


def test_a_new_threshold_on_the_active_model_through_the_api_is_gated_and_recorded(serving, staff_client, staff):
    url = f"/api/v1/models/{serving.pk}/threshold"
    refused = staff_client.put(url, {"threshold": 0.99}, content_type="application/json")
    no_note = staff_client.put(url, {"threshold": 0.99, "force": True}, content_type="application/json")
    serving.refresh_from_db()
    assert refused.status_code == 409 and refused.json()["verdict"]["candidate"]["threshold"] == 0.99
    assert "single class" in refused.json()["error"] and no_note.status_code == 400
    assert serving.threshold == 0.5 and not Promotion.objects.filter(previous_threshold__isnull=False).exists()

    forced = staff_client.put(url, {"threshold": 0.99, "force": True, "note": "audit"}, content_type="application/json")

    serving.refresh_from_db()
    change = Promotion.objects.first()
    assert forced.status_code == 200 and serving.threshold == 0.99
    assert (change.previous_threshold, change.threshold, change.forced, change.note) == (0.5, 0.99, True, "audit")
    who = (change.model_version, change.previous, change.promoted_by, change.source)
    assert who == (serving, serving, staff, "api")
    assert forced.json()["promotions"][0]["previous_threshold"] == 0.5


def test_a_version_that_does_not_serve_changes_its_threshold_without_the_gate(serving, scored, staff_client):
    idle = version("idle")
    scored(idle, f1=0.8)

    url = f"/api/v1/models/{idle.pk}/threshold"
    changed = staff_client.put(url, {"threshold": 0.99}, content_type="application/json")

    idle.refresh_from_db()
    assert changed.status_code == 200 and idle.threshold == 0.99 and idle.promotions.count() == 0
