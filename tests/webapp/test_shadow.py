"""Shadow mode through the real checker: a version in shadow judges the checks that the API answers with
the served model, off the request, and stores its verdicts beside them; the checks where the two
disagree reach their own review queue, and reviewed ones say which model was right; a run stops by
itself after its checks or days, and when its version is promoted. Committed rows (transactional_db):
the judge is a thread with its own database connection."""

import csv
import random
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.services import wait_until
from tests.support.accounts import staff_user
from tests.support.api import call_json, post_json
from webapp.checker import classify, gate, shadow
from webapp.checker.loaded import LoadedVersion
from webapp.checker.models import Prediction, Promotion, ShadowRun, ShadowVerdict
from webapp.checker.registry import register

End = ShadowRun.End


def comments(data_dir, n=24, seed=0):
    """n toxic and n non-toxic test comments, shuffled: the served baseline calls some of each."""
    with open(data_dir / "test.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    picked = [
        row["comment_text"][:1000]
        for label in ("0", "1")
        for row in random.Random(seed).sample([r for r in rows if r["label"] == label], n)
    ]
    random.Random(seed).shuffle(picked)
    return picked


@pytest.fixture
def versions(transactional_db, baseline_dir, tiny_artifact_dir):
    """(served, candidate): the real baseline serves; a tiny random transformer is the candidate."""
    served = register(baseline_dir, name="served baseline", activate=True)
    return served, register(tiny_artifact_dir, name="tiny candidate")


def test_a_version_in_shadow_judges_live_checks_unseen_and_its_disagreements_reach_their_queue(
    versions, client, check_api, data_dir
):
    served, candidate = versions
    client.force_login(staff_user("olga"))  # an owner and a reviewer
    started = post_json(client, f"/models/{candidate.pk}/shadow", {"max_checks": 40})
    assert started.status_code == 201, started.content
    run = ShadowRun.objects.get(pk=started.json()["run"])

    answers = [check_api({"text": text}).json() for text in comments(data_dir)]
    wait_until(lambda: ShadowRun.objects.get(pk=run.pk).ended, timeout=120, what="the run to judge its 40 checks")
    run.refresh_from_db()
    verdicts = list(ShadowVerdict.objects.filter(run=run).select_related("prediction"))
    disagreeing = {v.prediction_id for v in verdicts if not v.agrees}

    # end users saw only the served model; the shadow verdicts sit beside the stored checks
    assert {answer["model"]["id"] for answer in answers} == {served.pk}
    assert all("shadow" not in str(answer) for answer in answers)
    assert run.end_reason == End.CHECKS and 40 <= run.judged == len(verdicts) <= 48
    assert all(v.agrees == (v.label == v.prediction.label) for v in verdicts)
    assert all(v.prediction.model_version_id == served.pk for v in verdicts)
    assert 0 < len(disagreeing) < len(verdicts), "the tiny model agrees with the baseline on some checks only"

    # their queue: the list filter, the API and the review queue hold the disagreements and nothing else
    listed = call_json(client, "get", "/predictions", shadow=run.pk, limit=200).json()
    queue = client.get("/dashboard/predictions/queue/", {"shadow": run.pk})
    assert {item["id"] for item in listed["items"]} == disagreeing
    assert queue.status_code == 302 and int(queue.url.split("/")[3]) in disagreeing

    # reviewers label three disagreements the shadow's way and one the served way
    ordered = sorted((v for v in verdicts if not v.agrees), key=lambda v: v.prediction_id)
    for verdict, label in zip(ordered, [None, None, None, "served"], strict=False):
        wanted = verdict.prediction.label if label == "served" else verdict.label
        assert post_json(client, f"/predictions/{verdict.prediction_id}/review", {"label": wanted}).status_code == 200
    summary = call_json(client, "get", f"/models/{candidate.pk}/shadow").json()
    page = client.get(f"/dashboard/models/{candidate.pk}/").content.decode()
    preview = call_json(client, "get", f"/models/{candidate.pk}/gate").json()

    reviewed = min(4, len(ordered))
    assert summary["judged"] == run.judged and summary["disagreements"] == len(disagreeing)
    assert summary["agreement"] == pytest.approx(1 - len(disagreeing) / run.judged)
    assert summary["reviewed_disagreements"] == reviewed
    assert summary["shadow_right"] == min(3, reviewed) and summary["served_right"] == reviewed - min(3, reviewed)
    low, high = summary["interval"]
    assert 0 <= low < summary["shadow_right_share"] < high <= 1 and summary["better"] is None
    assert f'href="/dashboard/predictions/queue/?shadow={run.pk}"' in page and 'id="shadow-figures"' in page
    assert preview["shadow"]["judged"] == run.judged


def test_a_server_starting_during_a_run_loads_the_shadow_model_before_any_check(versions):
    served, candidate = versions
    shadow.start(candidate)
    shadow.judge.forget()
    shadow.judge._model = LoadedVersion()  # holding no model, as in a process that just started

    classify.warm_up()

    assert shadow.judge.loaded == candidate.pk and not Prediction.objects.exists()


def test_a_run_stops_after_its_days_and_when_its_version_is_promoted(versions, client, check_api):
    served, candidate = versions
    owner = staff_user("olga")
    expired = shadow.start(candidate, owner)
    ShadowRun.objects.filter(pk=expired.pk).update(until=timezone.now() - timedelta(seconds=1))
    shadow.judge.forget()
    check_api({"text": "a check after its last day"})
    expired.refresh_from_db()

    assert expired.end_reason == End.DAYS and not ShadowVerdict.objects.filter(run=expired).exists()

    promoted = shadow.start(candidate, owner, share=0.5)
    gate.promote(candidate, owner, Promotion.Source.API, force=True)
    promoted.refresh_from_db()

    assert promoted.end_reason == End.SERVING
    assert Prediction.objects.count() == 1


def test_starting_asks_for_an_owner_and_sensible_figures(versions, client):
    served, candidate = versions
    client.force_login(staff_user("lena", groups=["Reviewers"]))
    assert post_json(client, f"/models/{candidate.pk}/shadow").status_code == 403
    client.force_login(staff_user("olga"))

    on_served = post_json(client, f"/models/{served.pk}/shadow")
    no_share = post_json(client, f"/models/{candidate.pk}/shadow", {"share": 0})
    unknown = post_json(client, "/models/999999/shadow")
    never = call_json(client, "get", f"/models/{candidate.pk}/shadow")
    form = client.post(f"/dashboard/models/{candidate.pk}/shadow/", {"share_percent": "half", "max_checks": 10})

    assert on_served.status_code == 400 and "serves the checker already" in on_served.json()["error"]
    assert no_share.status_code == 400 and no_share.json()["error"].startswith("share")
    assert unknown.status_code == 404 and never.status_code == 404
    assert form.status_code == 302 and not ShadowRun.objects.exists()
    first = post_json(client, f"/models/{candidate.pk}/shadow", {"share": 0.25, "days": 2}).json()
    second = post_json(client, f"/models/{candidate.pk}/shadow", {"max_checks": 5}).json()
    stopped = call_json(client, "delete", f"/models/{candidate.pk}/shadow")

    assert first["share"] == 0.25 and first["max_checks"] == 10_000 and first["running"]
    assert ShadowRun.objects.get(pk=first["run"]).end_reason == End.REPLACED
    assert stopped.status_code == 200 and stopped.json()["run"] == second["run"] and not stopped.json()["running"]
    assert call_json(client, "delete", f"/models/{candidate.pk}/shadow").status_code == 404
