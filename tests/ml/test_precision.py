"""The precision option: auto is bf16 where the hardware computes it natively, a run records the format
it used, and bf16 serves as a runtime of its own (Classifier(precision=)) close to fp32."""

import json

import pytest

import ml
from ml import precision, runtimes
from ml.errors import ConfigError
from ml.inference import Classifier
from tests.support.runs import tiny_config

TEXTS = ["thanks for the fix", "you are an idiot", "see the talk page " * 20]


@pytest.mark.parametrize("native", [True, False])
def test_auto_is_bf16_only_where_the_cpu_computes_it_natively(monkeypatch, native):
    monkeypatch.setattr(precision, "native_bf16", lambda device: native)

    assert precision.resolve("auto", "cpu") == ("bf16" if native else "fp32")
    assert precision.resolve("fp32", "cpu") == "fp32" and precision.resolve("bf16", "cpu") == "bf16"


def test_auto_on_a_gpu_without_bf16_is_fp16_and_fp16_on_a_cpu_is_refused(monkeypatch):
    monkeypatch.setattr(precision, "native_bf16", lambda device: False)

    assert precision.resolve("auto", "cuda") == "fp16"
    with pytest.raises(ConfigError, match="fp16 needs a GPU") as info:
        precision.resolve("fp16", "cpu")
    assert info.value.field == "precision"


def test_runs_in_one_process_each_train_evaluate_and_record_their_own_precision(tmp_path, tiny_bert_dir, data_dir):
    """A worker process runs job after job: a bf16 run, then an fp32 one, then bf16 again."""
    for number, chosen in enumerate(("bf16", "fp32", "bf16")):
        out = tmp_path / f"run-{number}"
        result = ml.train({**tiny_config(tiny_bert_dir, data_dir, out), "precision": chosen})

        metrics, run = (json.loads((out / name).read_text()) for name in ("metrics.json", "run.json"))
        assert result.status == "succeeded" and metrics["precision"] == chosen and run["precision"] == chosen
        assert metrics["test"]["n"] == 32 and metrics["samples_per_s"] > 0


def test_bf16_serves_the_same_weights_close_to_fp32_and_says_so(tiny_artifact_dir):
    fp32 = runtimes.load(tiny_artifact_dir, runtimes.FP32)
    bf16 = runtimes.load(tiny_artifact_dir, runtimes.BF16)

    assert (bf16.info["runtime"], bf16.precision, fp32.precision) == (runtimes.BF16, "bf16", "fp32")
    assert bf16.predict_proba(TEXTS) == pytest.approx(fp32.predict_proba(TEXTS), abs=0.02)
    assert bf16.predict_proba(TEXTS) != fp32.predict_proba(TEXTS), "bf16 rounds: not the fp32 numbers themselves"
    served = runtimes.serve(Classifier.load(tiny_artifact_dir), runtimes.BF16)
    assert served.precision == "bf16" and served.predict_proba(TEXTS) == bf16.predict_proba(TEXTS)
