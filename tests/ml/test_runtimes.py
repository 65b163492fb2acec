"""ml/runtimes.py: the same run served by PyTorch fp32, torch int8 and ONNX Runtime fp32/int8."""

import shutil

import pytest

from ml import inference, runtimes
from ml.inference import Classifier

TEXTS = ["ok", "You are an idiot and everyone knows it.", "thanks for the careful edit " * 10]


@pytest.fixture(scope="module")
def run_dir(tiny_artifact_dir, tmp_path_factory):
    """A copy of the tiny run: the ONNX files are written next to its weights."""
    return shutil.copytree(tiny_artifact_dir, tmp_path_factory.mktemp("runtimes") / "run")


def test_onnx_fp32_gives_the_probabilities_of_torch_fp32(run_dir):
    fp32 = runtimes.load(run_dir, runtimes.FP32).predict_proba(TEXTS)
    onnx = runtimes.load(run_dir, runtimes.ONNX_FP32).predict_proba(TEXTS)

    assert onnx == pytest.approx(fp32, abs=1e-5)
    assert (run_dir / "onnx" / "model.onnx").is_file()


@pytest.mark.parametrize("runtime", [runtimes.TORCH_INT8, runtimes.ONNX_INT8])
def test_int8_runtimes_stay_close_to_fp32_and_say_which_they_are(run_dir, runtime):
    fp32 = runtimes.load(run_dir, runtimes.FP32).predict_proba(TEXTS)
    classifier = runtimes.load(run_dir, runtime)

    assert classifier.predict_proba(TEXTS) == pytest.approx(fp32, abs=0.05)
    assert classifier.info["runtime"] == runtime


def test_an_exported_model_is_reused_not_exported_again(run_dir):
    runtimes.load(run_dir, runtimes.ONNX_INT8)
    exported = (run_dir / "onnx" / "model-int8.onnx").stat().st_mtime_ns

    runtimes.load(run_dir, runtimes.ONNX_INT8)

    assert (run_dir / "onnx" / "model-int8.onnx").stat().st_mtime_ns == exported


def test_an_unknown_runtime_is_refused(run_dir):
    with pytest.raises(ValueError, match="unknown runtime 'tensorrt'"):
        runtimes.load(run_dir, "tensorrt")


def test_compare_f1_scores_both_runtimes_on_the_same_test_comments(run_dir):
    check = runtimes.compare_f1(run_dir, runtimes.ONNX_FP32)

    assert check.texts == 32  # the tiny run's max_eval_samples
    assert check.runtime_f1 == pytest.approx(check.fp32_f1, abs=1e-9)
    assert check.within_tolerance is True


@pytest.mark.parametrize("runtime", runtimes.RUNTIMES)
def test_a_runtime_served_from_a_loaded_model_reads_no_weights_and_answers_as_one_loaded_from_disk(
    run_dir, runtime, monkeypatch
):
    fp32 = Classifier.load(run_dir)
    reads = []
    monkeypatch.setattr(inference, "load_classifier", lambda source: reads.append(source))

    served = runtimes.serve(fp32, runtime)

    monkeypatch.undo()
    assert reads == [] and served.info["runtime"] == runtime
    assert served.batch_limit == runtimes.load(run_dir, runtime).batch_limit
    assert served.predict_proba(TEXTS) == pytest.approx(runtimes.load(run_dir, runtime).predict_proba(TEXTS), abs=1e-6)


def test_the_fastest_candidate_within_tolerance_serves_and_every_candidate_is_measured(run_dir, monkeypatch):
    monkeypatch.setattr(runtimes, "F1_TOLERANCE", 1.0)  # any F1 holds
    speed = {runtimes.FP32: 50.0, runtimes.ONNX_FP32: 80.0, runtimes.TORCH_INT8: 120.0}
    monkeypatch.setattr(runtimes, "measure", lambda classifier, texts, labels: (0.5, speed[classifier.info["runtime"]]))

    served, checks = runtimes.choose(Classifier.load(run_dir), (runtimes.ONNX_FP32, runtimes.TORCH_INT8))

    assert served.info["runtime"] == runtimes.TORCH_INT8
    assert [(check.runtime, check.comments_per_s) for check in checks] == [
        (runtimes.ONNX_FP32, 80.0),
        (runtimes.TORCH_INT8, 120.0),
    ]


def test_a_faster_candidate_that_loses_f1_does_not_serve(run_dir, monkeypatch):
    figures = {runtimes.FP32: (0.80, 50.0), runtimes.ONNX_FP32: (0.80, 80.0), runtimes.TORCH_INT8: (0.70, 120.0)}
    monkeypatch.setattr(runtimes, "measure", lambda classifier, texts, labels: figures[classifier.info["runtime"]])

    served, _ = runtimes.choose(Classifier.load(run_dir), (runtimes.ONNX_FP32, runtimes.TORCH_INT8))

    assert served.info["runtime"] == runtimes.ONNX_FP32


def test_bf16_is_a_candidate_only_where_the_cpu_computes_it_natively(monkeypatch):
    monkeypatch.setattr(runtimes, "native_bf16", lambda device: True)
    assert runtimes.candidates() == (runtimes.ONNX_INT8, runtimes.BF16)
    monkeypatch.setattr(runtimes, "native_bf16", lambda device: False)
    assert runtimes.candidates() == (runtimes.ONNX_INT8,)


def test_fp32_serves_when_no_candidate_holds_its_f1(run_dir, monkeypatch):
    monkeypatch.setattr(runtimes, "F1_TOLERANCE", -1.0)  # no F1 holds, not even fp32's own
    fp32 = Classifier.load(run_dir)

    served, checks = runtimes.choose(fp32, (runtimes.ONNX_FP32, runtimes.TORCH_INT8))

    assert served is fp32 and served.info["runtime"] == runtimes.FP32
    assert [check.runtime for check in checks] == [runtimes.ONNX_FP32, runtimes.TORCH_INT8]
    assert checks[0].texts == 32 and checks[0].fp32_f1 == checks[1].fp32_f1


@pytest.mark.parametrize("runtime", [runtimes.TORCH_INT8, runtimes.ONNX_INT8])
def test_an_int8_verdict_does_not_depend_on_the_texts_beside_it(run_dir, runtime):
    """Dynamic int8 scales a whole batch's activations by one factor: each text runs alone, so a
    check's probability is the same whoever else's comments arrive with it."""
    classifier = runtimes.load(run_dir, runtime)
    texts = [*TEXTS, "a long comment about the article " * 30, "Stop it!!!"]
    alone = [classifier.predict_proba([text])[0] for text in texts]

    assert classifier.batch_limit == 1
    assert classifier.predict_proba(texts, batch_size=32) == alone
    classifier.batch_limit = None  # what batching them would do instead
    assert classifier.predict_proba(texts, batch_size=32) != alone


@pytest.mark.slow
def test_a_bf16_verdict_does_not_depend_on_the_texts_beside_it(data_dir):
    """bf16 rounds each product as the matrix kernels that the batch's shape selects, so batched with
    other comments a text's probability would move (by about 1e-4 on the bundled MiniLM, 1e-7 at fp32):
    each text runs alone. The tiny random model's probabilities do not move, so this needs the real one."""
    import pandas as pd

    from ml.models import resolve_teacher

    texts = pd.read_csv(data_dir / "test.csv")["comment_text"].sample(32, random_state=3).tolist()
    classifier = Classifier.load(resolve_teacher("bundled-minilm"), precision="bf16")
    alone = [classifier.predict_proba([text])[0] for text in texts]

    assert classifier.batch_limit == runtimes.batch_limit(runtimes.BF16) == 1
    assert classifier.predict_proba(texts, batch_size=32) == alone
    classifier.batch_limit = None  # what batching them would do instead
    assert classifier.predict_proba(texts, batch_size=32) != alone


@pytest.mark.parametrize("runtime", [runtimes.FP32, runtimes.ONNX_FP32])
def test_fp32_runtimes_batch_freely(run_dir, runtime):
    assert runtimes.load(run_dir, runtime).batch_limit is None
