"""Staff see models and predictions in the Django admin; comments stay inert there too."""

from webapp.checker.models import ModelVersion, Prediction

SCRIPT = '<script>alert("admin")</script>'


def _prediction(version, text="a comment"):
    return Prediction.objects.create(
        text=text, label="toxic", toxic_probability=0.9, model_version=version, source="api"
    )


def test_staff_see_the_models_and_the_predictions(admin_client, active_model):
    _prediction(active_model, "visible comment")

    models = admin_client.get("/admin/checker/modelversion/")
    predictions = admin_client.get("/admin/checker/prediction/?label=toxic")

    assert models.status_code == predictions.status_code == 200
    assert b"tiny" in models.content
    assert b"visible comment" in predictions.content


def test_anonymous_visitors_are_sent_to_the_login_page(client, db):
    response = client.get("/admin/checker/prediction/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_a_script_comment_is_escaped_in_the_list_and_the_detail_page(admin_client, active_model):
    prediction = _prediction(active_model, SCRIPT)

    for url in ("/admin/checker/prediction/", f"/admin/checker/prediction/{prediction.pk}/change/"):
        content = admin_client.get(url).content.decode()
        assert SCRIPT not in content
        assert "&lt;script&gt;alert(&quot;admin&quot;)&lt;/script&gt;" in content


def test_the_activate_action_switches_the_active_model_through_the_gate(admin_client, active_model, scored):
    other = ModelVersion.objects.create(name="other", method="odd", teacher="t", artifact_path="/x")
    scored(active_model, f1=0.8), scored(other, f1=0.8)

    response = admin_client.post("/admin/checker/modelversion/", {"action": "activate", "_selected_action": [other.pk]})

    assert response.status_code == 302
    assert ModelVersion.current() == other
    assert other.promotions.get().source == "admin"


def test_the_activate_action_refuses_what_the_gate_refuses(admin_client, active_model, scored):
    worse = ModelVersion.objects.create(name="worse", method="odd", teacher="t", artifact_path="/x")
    scored(active_model, f1=0.8), scored(worse, f1=0.7)

    response = admin_client.post(
        "/admin/checker/modelversion/", {"action": "activate", "_selected_action": [worse.pk]}, follow=True
    )

    assert ModelVersion.current() == active_model
    assert "points under the active model" in response.content.decode()


def test_the_activate_action_refuses_two_models_at_once(admin_client, active_model):
    other = ModelVersion.objects.create(name="other", method="odd", teacher="t", artifact_path="/x")

    admin_client.post(
        "/admin/checker/modelversion/", {"action": "activate", "_selected_action": [other.pk, active_model.pk]}
    )

    assert ModelVersion.current() == active_model


def test_the_prediction_list_shows_rounded_probabilities_and_the_reviewed_label(admin_client, active_model, admin_user):
    from django.utils import timezone

    prediction = Prediction.objects.create(
        text="reviewed comment", label="toxic", toxic_probability=0.8765432109876543, model_version=active_model,
        source="api", reviewed_label="non-toxic", reviewed_by=admin_user, reviewed_at=timezone.now(),
    )  # fmt: skip

    listing = admin_client.get("/admin/checker/prediction/").content.decode()
    detail = admin_client.get(f"/admin/checker/prediction/{prediction.pk}/change/").content.decode()

    assert "87.7%" in listing and "0.876543" not in listing
    assert "reviewed label" in listing.lower() and "Non-toxic" in listing
    assert "87.7%" in detail and "0.876543" not in detail


def test_the_admin_carries_the_toxilab_name(admin_client, db):
    page = admin_client.get("/admin/").content.decode()

    assert "ToxiLab admin" in page and "Django administration" not in page


def test_the_deactivate_action_is_recorded_and_the_checker_then_says_no_model_is_active(
    admin_client, admin_user, active_model, scored, client, check_api
):
    from django.contrib.admin.models import LogEntry

    from webapp.checker import gate
    from webapp.checker.models import Promotion

    served = ModelVersion.objects.create(name="served", method="odd", teacher="t", artifact_path="/x")
    scored(active_model, f1=0.8), scored(served, f1=0.8)
    gate.promote(served, admin_user, Promotion.Source.ADMIN)

    admin_client.post("/admin/checker/modelversion/", {"action": "deactivate", "_selected_action": [served.pk]})

    assert ModelVersion.current() is None
    entry = LogEntry.objects.get(object_id=str(served.pk))
    assert (entry.user, entry.get_change_message()) == (admin_user, "Deactivated: no model serves the checker")
    refused = check_api({"text": "hello"})
    assert refused.status_code == 503 and refused.json()["error"].startswith("no model is active: staff deactivated")
    status = client.get("/first-model").json()
    assert status["state"] == "deactivated" and "first" not in status["message"].lower()
    assert "first" not in client.get("/").content.decode().split('id="first-model-message">')[1].split("<")[0]
