"""A version whose model file is broken (weights cut short, as a full disk or an interrupted copy leaves
them) is refused at activation, a rollback included, before it serves: the model that served goes on
serving. And /healthz reports a checker that cannot answer."""

import shutil

import pytest

from tests.support.api import post_json
from webapp.checker import gate
from webapp.checker.models import ModelVersion, Promotion
from webapp.checker.registry import register


@pytest.fixture(autouse=True)
def load_check(settings):
    settings.TOXILAB_PROMOTE_LOAD_CHECK = True  # the web tests turn it off for versions with no files


def copy_of(tiny_artifact_dir, tmp_path, name):
    shutil.copytree(tiny_artifact_dir, tmp_path / name)
    return register(tmp_path / name, name=name)


def truncate(version):
    weights = ModelVersion.objects.get(pk=version.pk).artifact_path + "/model.safetensors"
    with open(weights, "r+b") as file:
        file.truncate(1000)


@pytest.fixture
def served_twice(db, scored, tiny_artifact_dir, tmp_path):
    """`old` served, then `new` took its place; both scored on the gate's sample."""
    old, new = (copy_of(tiny_artifact_dir, tmp_path, name) for name in ("old", "new"))
    scored(old, f1=0.8)
    scored(new, f1=0.85)
    gate.promote(old, None, Promotion.Source.CLI)
    gate.promote(new, None, Promotion.Source.CLI)
    return old, new


def test_a_rollback_to_a_version_whose_weights_were_truncated_is_refused_and_the_active_one_serves(
    served_twice, staff_client, check_api
):
    old, new = served_twice
    truncate(old)

    api = post_json(staff_client, f"/models/{old.pk}/activate")
    forced = post_json(staff_client, f"/models/{old.pk}/activate", {"force": True})
    page = staff_client.post(f"/dashboard/models/{old.pk}/activate/", {"force": "on", "confirm": "yes"}, follow=True)

    assert api.status_code == 409 and "cannot be loaded" in api.json()["error"], api.content
    assert forced.status_code == 409, "force overrides the gate's figures, not a model that cannot load"
    assert "cannot be loaded" in page.content.decode()
    assert ModelVersion.current() == new and Promotion.objects.count() == 2
    assert check_api({"text": "hello"}).status_code == 200


def test_healthz_reports_a_checker_that_cannot_answer(client, db, tiny_artifact_dir, tmp_path):
    good, broken = (copy_of(tiny_artifact_dir, tmp_path, name) for name in ("good", "broken"))
    good.activate()
    healthy = client.get("/healthz")
    truncate(broken)
    broken.activate()  # past the gate, as a hand-edited row or a file broken after activation leaves it

    unhealthy = client.get("/healthz")

    assert healthy.status_code == 200 and healthy.json()["checker"] == {"ok": True}
    assert unhealthy.status_code == 503 and unhealthy.json()["status"] == "unavailable"
    assert unhealthy.json()["checker"] == {"ok": False, "error": "the active model cannot be loaded"}


def test_healthz_is_ok_while_no_model_is_active_yet(client, db):
    response = client.get("/healthz")

    assert response.json()["checker"] == {"ok": False, "error": "no model is active yet"}
    assert response.status_code == 200, "a fresh site trains its first model: it is not down"
