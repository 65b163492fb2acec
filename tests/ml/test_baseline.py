"""The TF-IDF + logistic regression baseline: a run directory like every method's, served by Classifier."""

import json
import shutil

import pytest

import ml
from ml.artifacts import read_history, read_metrics, read_predictions, read_run_info
from ml.errors import ModelLoadError
from ml.inference import Prediction
from ml.reporting import compare_table
from tests.support.runs import BASELINE_SAMPLE

TOXIC = "you are a stupid worthless idiot, shut up"
BENIGN = "thanks for fixing the citation in the history section"


@pytest.fixture(scope="module")
def classifier(baseline_dir):
    return ml.load(baseline_dir)


def test_the_run_directory_has_the_layout_and_metrics_of_every_run(baseline_dir):
    run, metrics = read_run_info(baseline_dir, required=True), read_metrics(baseline_dir, required=True)
    assert run["method"] == metrics["method"] == "baseline" and run["teacher"] == metrics["teacher"] == "none"
    assert metrics["status"] == "succeeded" and metrics["data"]["train"]["rows"] == BASELINE_SAMPLE["max_train_samples"]
    for split in ("validation", "test", "validation_at_threshold", "test_at_threshold"):
        assert {"f1", "roc_auc", "pr_auc", "accuracy", "confusion_matrix"} <= set(metrics[split])
    assert metrics["test"]["n"] == BASELINE_SAMPLE["max_eval_samples"]
    assert metrics["test"]["f1"] > 0.5 and metrics["test"]["roc_auc"] > 0.85, "far better than chance on real data"
    assert 0 < metrics["threshold"] < 1 and metrics["test_at_threshold"]["threshold"] == metrics["threshold"]
    assert metrics["model_size_bytes"] > 0 and metrics["size_bytes"] >= metrics["model_size_bytes"]
    assert metrics["latency"]["comments_per_s_batch32"] > 0 and metrics["parameters"]["total"] > 1000
    assert metrics["converged"] and metrics["train_loss"]["loss"] == metrics["train_loss"]["cls"] > 0
    steps = [row for row in read_history(baseline_dir) if row["kind"] == "step"]
    assert [row["step"] for row in steps] == list(range(1, metrics["steps"] + 1))
    assert steps[-1]["loss"] == pytest.approx(metrics["train_loss"]["loss"])
    assert steps[0]["loss"] >= steps[-1]["loss"], "lbfgs lowers the training loss chunk by chunk"


def test_it_keeps_per_comment_test_predictions_and_the_validation_curve_like_every_run(baseline_dir):
    from ml.evaluate import compute_metrics

    metrics = read_metrics(baseline_dir, required=True)
    kept = read_predictions(baseline_dir)
    assert len(kept["labels"]) == len(kept["probs"]) == metrics["test"]["n"]
    again = compute_metrics(kept["labels"], kept["probs"])
    assert again["f1"] == pytest.approx(metrics["test"]["f1"]) and again["roc_auc"] == pytest.approx(
        metrics["test"]["roc_auc"]
    )
    assert metrics["validation_curve"], "the model page draws the validation precision/recall curve from it"


def test_compare_reads_it_with_dashes_where_a_baseline_has_no_figure(baseline_dir):
    row = compare_table([baseline_dir]).splitlines()[-1].split(" | ")
    assert row[1] == "baseline" and row[2] == "—", "no transformer layers"


def test_it_scores_a_toxic_comment_above_a_benign_one(classifier):
    toxic, benign = classifier.predict([TOXIC, BENIGN])
    assert isinstance(toxic, Prediction) and toxic.toxic_probability > benign.toxic_probability
    assert (toxic.label, benign.label) == ("toxic", "non-toxic")


def test_predictions_keep_input_order_whatever_the_batch_size(classifier):
    texts = [f"comment {i} " + ("idiot " if i % 3 == 0 else "article ") * i for i in range(37)]
    one_by_one = [classifier.predict_proba([text])[0] for text in texts]
    assert classifier.predict_proba(texts, batch_size=8) == pytest.approx(one_by_one, abs=1e-6)
    with pytest.raises(TypeError):
        classifier.predict(TOXIC)


def test_its_info_says_what_serves_it(classifier, baseline_dir):
    info = classifier.info
    assert info["method"] == "baseline" and info["runtime"] == "sklearn" and info["teacher"] == "none"
    assert info["parameters"] == read_metrics(baseline_dir)["parameters"]["total"]
    assert info["test_f1"] == read_metrics(baseline_dir)["test"]["f1"]


def test_int8_and_adapter_forms_are_refused_with_a_clear_error(baseline_dir):
    for options in ({"quantize": True}, {"adapter": True}):
        with pytest.raises(ModelLoadError, match="a baseline run has no int8, bf16 or adapter form"):
            ml.load(baseline_dir, **options)


def test_a_directory_without_the_model_file_gives_a_clear_error(tmp_path, baseline_dir):
    broken = tmp_path / "broken"
    shutil.copytree(baseline_dir, broken)
    (broken / "model.joblib").unlink()
    with pytest.raises(ModelLoadError, match=r"no model \(model.joblib\)"):
        ml.load(broken)
    (broken / "model.joblib").write_bytes(b"not a pickle")
    with pytest.raises(ModelLoadError, match="cannot load it"):
        ml.load(broken)


def test_progress_is_reported_and_a_stop_request_cancels_without_a_model(tmp_path, data_dir):
    reports = []
    config = {"method": "baseline", "dataset": str(data_dir), "max_train_samples": 300, "max_eval_samples": 100}

    result = ml.train({**config, "output": str(tmp_path / "run")}, on_progress=reports.append)

    kinds = [report.kind for report in reports]
    assert kinds.count("step") == result.metrics["steps"] >= 1 and kinds[-1] == "eval"
    assert all(report.loss > 0 and report.components == {"cls": report.loss} for report in reports[:-1])
    assert reports[-1].split == "validation" and reports[-1].metrics == result.metrics["validation"]

    stopped = ml.train({**config, "output": str(tmp_path / "stopped")}, should_stop=lambda: True)

    assert stopped.status == "cancelled" and not (tmp_path / "stopped" / "model.joblib").exists()
    assert json.loads((tmp_path / "stopped" / "metrics.json").read_text())["status"] == "cancelled"
    with pytest.raises(ModelLoadError, match="cancelled"):
        ml.load(tmp_path / "stopped")
