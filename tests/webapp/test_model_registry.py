"""ModelVersion rows: register_model, one active model enforced by the database, switching without restart."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction

from ml.inference import Classifier
from webapp.checker.models import ModelVersion, Prediction, Promotion

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def tiny_model_passes_the_gate(settings):
    """These tests are about serving: the tiny model (F1 about 0.37 on the gate's sample) may be activated."""
    settings.TOXILAB_PROMOTE_MIN_F1 = 0.2


def test_register_model_reads_method_teacher_and_metrics_from_the_artifact(db, tiny_artifact_dir, capsys):
    call_command("register_model", str(tiny_artifact_dir), "--name", "first")

    version = ModelVersion.objects.get(name="first")
    assert (version.method, version.active) == ("teacher", False)
    assert version.teacher.endswith("tiny-bert0")
    assert version.artifact_path == str(tiny_artifact_dir.resolve())
    assert version.test_f1 is not None and version.layers == 4
    assert "Registered model" in capsys.readouterr().out


def test_register_model_with_activate_replaces_the_active_model_through_the_gate(db, tiny_artifact_dir):
    call_command("register_model", str(tiny_artifact_dir), "--name", "old", "--activate")
    call_command("register_model", str(tiny_artifact_dir), "--name", "new", "--activate")

    assert list(ModelVersion.objects.filter(active=True).values_list("name", flat=True)) == ["new"]
    new, old = Promotion.objects.all()
    assert (new.model_version.name, new.previous.name, new.source, new.forced) == ("new", "old", "cli", False)
    assert new.figures["candidate"]["f1"] == new.figures["active"]["f1"] > 0.2  # the same model, same comments


def test_the_database_refuses_a_second_active_model(db):
    ModelVersion.objects.create(name="a", method="odd", teacher="t", artifact_path="/a", active=True)

    with pytest.raises(IntegrityError), transaction.atomic():
        ModelVersion.objects.create(name="b", method="even", teacher="t", artifact_path="/b", active=True)


def _register_cli(directory):
    return subprocess.run(
        [sys.executable, "manage.py", "register_model", str(directory)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_register_model_refuses_a_directory_without_run_json_with_exit_2(tmp_path):
    proc = _register_cli(tmp_path)

    assert proc.returncode == 2
    message = f"CommandError: {tmp_path} is not a finished run: run.json is missing"
    assert proc.stderr.strip().splitlines() == [message]


def test_register_model_refuses_an_artifact_that_cannot_load(db, tiny_artifact_dir, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(tiny_artifact_dir, broken)
    (broken / "model.safetensors").unlink()

    with pytest.raises(CommandError, match="cannot be loaded: .*no model weights") as error:
        call_command("register_model", str(broken))
    assert error.value.returncode == 2
    assert not ModelVersion.objects.exists()


def truncated_copy(tiny_artifact_dir, tmp_path):
    """The tiny model with its weights cut short, as a full disk or an interrupted copy leaves them."""
    broken = tmp_path / "truncated"
    shutil.copytree(tiny_artifact_dir, broken)
    weights = broken / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:1000])
    return broken


def test_register_model_refuses_truncated_weights_with_exit_2_and_one_line(db, tiny_artifact_dir, tmp_path):
    with pytest.raises(CommandError, match="cannot be loaded") as error:
        call_command("register_model", str(truncated_copy(tiny_artifact_dir, tmp_path)))
    assert error.value.returncode == 2 and len(str(error.value).splitlines()) == 1
    assert not ModelVersion.objects.exists()


def test_an_active_model_whose_weights_were_truncated_answers_503_not_500(
    check_api, client, db, tiny_artifact_dir, tmp_path
):
    broken = tmp_path / "copy"
    shutil.copytree(tiny_artifact_dir, broken)
    call_command("register_model", str(broken), "--name", "soon-broken", "--activate")
    (broken / "model.safetensors").write_bytes((broken / "model.safetensors").read_bytes()[:1000])

    response = check_api({"text": "hello"})
    assert response.status_code == 503 and response.json() == {"error": "the active model cannot be loaded"}
    page = client.post("/", {"text": "hello"})
    assert page.status_code == 503 and "cannot be loaded right now" in page.content.decode()
    assert "Traceback" not in page.content.decode()


def test_activating_another_version_switches_the_model_without_a_restart(
    check_api, db, tiny_artifact_dir, tmp_path, monkeypatch
):
    second_dir = tmp_path / "second"
    shutil.copytree(tiny_artifact_dir, second_dir)
    call_command("register_model", str(tiny_artifact_dir), "--name", "first", "--activate")
    call_command("register_model", str(second_dir), "--name", "second")
    loaded = []
    original_load = Classifier.load.__func__
    monkeypatch.setattr(
        Classifier,
        "load",
        classmethod(lambda cls, path, **kw: loaded.append(str(path)) or original_load(cls, path, **kw)),
    )

    before = check_api({"text": "hello"}).json()
    ModelVersion.objects.get(name="second").activate()
    after = check_api({"text": "hello"}).json()
    again = check_api({"text": "hello"}).json()

    assert (before["model"]["name"], after["model"]["name"], again["model"]["name"]) == ("first", "second", "second")
    assert loaded[-1] == str(second_dir.resolve()) and loaded.count(str(second_dir.resolve())) == 1
    stored = Prediction.objects.order_by("id").values_list("model_version__name", flat=True)
    assert list(stored) == ["first", "second", "second"]


def test_a_renamed_active_model_answers_with_its_new_name_without_reloading(
    check_api, db, tiny_artifact_dir, monkeypatch
):
    call_command("register_model", str(tiny_artifact_dir), "--name", "first", "--activate")
    check_api({"text": "hello"})
    loaded = []
    original_load = Classifier.load.__func__
    monkeypatch.setattr(
        Classifier, "load", classmethod(lambda cls, path, **kw: loaded.append(path) or original_load(cls, path, **kw))
    )

    ModelVersion.objects.filter(name="first").update(name="renamed")
    answer = check_api({"text": "hello"}).json()

    assert answer["model"]["name"] == "renamed" and loaded == []
