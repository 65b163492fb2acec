"""Deleting stored predictions for a person who asks: one, or every check of one text, from the review
page (after a confirmation) and the API; the audit row names who, when and which ids, never the text;
only staff with checker.delete_prediction (the Reviewers group) may."""

import hashlib

from django.contrib.auth.models import Group

from tests.support.accounts import staff_user
from tests.support.api import call_json
from webapp.accounts.models import ApiToken
from webapp.checker.models import ModelVersion, Prediction, PredictionDeletion, PredictionReview


def checks(*texts):
    version = ModelVersion.objects.create(name="v", method="odd", teacher="t", artifact_path="/x")
    return [
        Prediction.objects.create(text=text, label="toxic", toxic_probability=0.9, model_version=version, source="api")
        for text in texts
    ]


def test_a_reviewer_deletes_every_check_of_a_text_after_confirming(db, client):
    mine, twin, other = checks("my own words", "my own words", "someone else's")
    PredictionReview.objects.create(prediction=twin, action="confirm", previous_label="toxic", label="toxic")
    reviewer = staff_user("rita", groups=["Reviewers"])
    client.force_login(reviewer)

    page = client.get(f"/dashboard/predictions/{mine.pk}/").content.decode()
    asked = client.post(f"/dashboard/predictions/{mine.pk}/delete/", {"same_text": "1"})
    done = client.post(f"/dashboard/predictions/{mine.pk}/delete/", {"same_text": "1", "confirm": "yes"}, follow=True)

    assert "Delete all 2 of this text" in page
    assert asked.status_code == 200 and "2 stored predictions will be deleted" in asked.content.decode()
    assert "Deleted 2 stored predictions (audited)." in done.content.decode()
    assert list(Prediction.objects.values_list("pk", flat=True)) == [other.pk]
    assert not PredictionReview.objects.exists()
    audit = PredictionDeletion.objects.get()
    assert audit.deleted_by == reviewer and audit.same_text and audit.prediction_ids == [mine.pk, twin.pk]
    assert audit.text_sha256 == hashlib.sha256(b"my own words").hexdigest()


def test_the_api_deletes_one_and_refuses_those_without_the_permission(db, client):
    first, second = checks("same", "same")
    looker = staff_user("lou", groups=["Trainers"])
    reviewer = staff_user("rita", groups=["Reviewers"])
    token = ApiToken.issue(reviewer, name="t")[1]

    refused = call_json(client, "delete", f"/predictions/{first.pk}", token=ApiToken.issue(looker, name="t")[1])
    deleted = call_json(client, "delete", f"/predictions/{first.pk}", token=token)
    missing = call_json(client, "delete", f"/predictions/{first.pk}", token=token)

    assert refused.status_code == 403 and "delete_prediction" in refused.json()["error"]
    assert deleted.status_code == 200 and deleted.json()["deleted"] == [first.pk] and not deleted.json()["same_text"]
    assert missing.status_code == 404
    assert list(Prediction.objects.values_list("pk", flat=True)) == [second.pk]
    assert "checker.delete_prediction" in {
        f"{p.content_type.app_label}.{p.codename}" for p in Group.objects.get(name="Reviewers").permissions.all()
    }
