"""Each registered model's CPU runtime: the faster one only when its test F1 is within 0.5 points of fp32."""

import shutil

import pytest
from django.core.management import call_command

from ml import runtimes
from webapp.checker.models import ModelVersion
from webapp.checker.prepare import prepare


@pytest.fixture
def run_dir(tiny_artifact_dir, tmp_path):
    return shutil.copytree(tiny_artifact_dir, tmp_path / "run")


@pytest.fixture
def measured(monkeypatch):
    """Test F1 as chosen, {'fp32': ..., 'candidate': ...}, for the runtimes built for real; ONNX int8 the
    fastest, so that it is the candidate that serves when its F1 holds."""
    figures = {}
    speed = {runtimes.FP32: 100.0, runtimes.ONNX_INT8: 300.0}

    def measure(classifier, texts, labels):
        runtime = classifier.info["runtime"]
        return figures["fp32" if runtime == runtimes.FP32 else "candidate"], speed.get(runtime, 200.0)

    monkeypatch.setattr(runtimes, "measure", measure)
    return figures


def chosen(run_dir, name):
    """The version of `run_dir` registered as `name`, its runtime chosen."""
    version = prepare(run_dir, name, score=False).version
    version.refresh_from_db()
    return version


def test_the_candidate_serves_when_its_f1_is_within_half_a_point(db, settings, run_dir, measured):
    settings.RUNTIME_CHOICE = True
    measured.update(fp32=0.8000, candidate=0.7960)
    version = chosen(run_dir, "fast")

    assert (version.runtime, version.candidate_runtime) == (runtimes.ONNX_INT8, runtimes.ONNX_INT8)
    assert (version.fp32_f1, version.candidate_f1) == (0.8, 0.796)
    assert version.runtime_checked is not None


def test_fp32_stays_when_the_candidate_loses_more_than_half_a_point(db, settings, run_dir, measured):
    settings.RUNTIME_CHOICE = True
    measured.update(fp32=0.8000, candidate=0.7900)
    version = chosen(run_dir, "slow")

    assert version.runtime == runtimes.FP32
    assert (version.fp32_f1, version.candidate_f1) == (0.8, 0.79)
    lost = ", ".join(f"{runtime} test F1 0.7900" for runtime in runtimes.candidates())
    verb = "is" if len(runtimes.candidates()) == 1 else "are each"
    assert version.runtime_note == f"kept fp32: {lost} {verb} more than 0.5 points below fp32 0.8000 on 32 comments"


def test_a_run_whose_f1_cannot_be_measured_stays_on_fp32_with_the_reason(db, settings, run_dir):
    settings.RUNTIME_CHOICE = True
    (run_dir / "run.json").write_text((run_dir / "run.json").read_text().replace('"dataset"', '"unused"'))
    version = chosen(run_dir, "unmeasured")

    assert version.runtime == runtimes.FP32
    assert version.fp32_f1 is None and "names no dataset" in version.runtime_note


@pytest.mark.django_db(transaction=True)
def test_register_model_measures_the_real_runtimes_and_the_api_names_the_one_that_answers(settings, run_dir, check_api):
    settings.RUNTIME_CHOICE = True
    # --force: the tiny model's verdicts are meaningless, and so are its figures under int8
    call_command("register_model", str(run_dir), "--name", "chosen", "--activate", "--force")
    version = ModelVersion.objects.get(name="chosen")

    assert version.candidate_runtime in runtimes.candidates()
    assert version.fp32_f1 is not None and version.candidate_f1 is not None
    held = version.fp32_f1 - version.candidate_f1 <= 0.005
    assert version.runtime == (version.candidate_runtime if held else "torch-fp32")
    expected = version.runtime
    body = check_api({"text": "thanks for the fix"}).json()
    assert body["model"]["runtime"] == expected
